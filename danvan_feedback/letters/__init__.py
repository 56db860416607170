"""Letters received on paper, by e-mail or phone (vào sổ đơn), the documents the office issues from a
case, and the replies of the agencies letters were transferred to."""
