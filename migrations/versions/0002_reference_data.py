"""Reference data (organisation, units, kinds, legal clocks, communes) and append-only guards.

Everything seeded here is data an administrator may edit later; the numbers come from the domain
brief (shared/domain/README.md) and each deadline row cites its article.

Revision ID: 0002
Revises: 0001
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ORG = [
    ("org_name", "Sở Nông nghiệp và Môi trường tỉnh Đồng Nai"),
    ("org_short_name", "Sở NN&MT Đồng Nai"),
    ("triage_role_name", "Thanh tra Sở"),
    ("report_owner_name", "Văn phòng Sở"),
    ("province_name", "Đồng Nai"),
]

UNITS = [
    # code, name, type, sort
    ("VP", "Văn phòng Sở", "office", 10),
    ("TCCB", "Phòng Tổ chức cán bộ", "department", 20),
    ("TT", "Thanh tra Sở", "inspectorate", 30),
    ("VPDP", "Văn phòng Điều phối nông thôn mới", "department", 40),
    ("KHTC", "Phòng Kế hoạch - Tài chính", "department", 50),
    ("CCTT", "Chi cục Trồng trọt và Bảo vệ thực vật", "subordinate", 60),
    ("CCCNTY", "Chi cục Chăn nuôi và Thú y", "subordinate", 70),
    ("CCKL", "Chi cục Kiểm lâm", "subordinate", 80),
    ("CCTL", "Chi cục Thủy lợi", "subordinate", 90),
    ("TTKN", "Trung tâm Khuyến nông", "subordinate", 100),
]

KINDS = [
    dict(code="gop_y", sort_order=10, anonymous="allowed", required=[],
         name_vi="Góp ý", name_en="Suggestion",
         summary_vi="Ý kiến để cơ quan làm tốt hơn: cách phục vụ, thủ tục, cơ sở vật chất. Không cần ghi tên.",
         summary_en="An idea to help the department serve better: service, procedures, premises. No name needed.",
         legal_basis=""),
    dict(code="phan_anh", sort_order=20, anonymous="allowed", required=["full_name", "address"],
         name_vi="Phản ánh", name_en="Report a problem",
         summary_vi="Báo cho cơ quan biết một việc chưa đúng: cán bộ gây khó khăn, hồ sơ trễ hẹn, quy định bất hợp lý.",
         summary_en="Tell the department about something wrong: an official causing trouble, a late file, an unreasonable rule.",
         legal_basis="Nghị định 20/2008/NĐ-CP, Điều 7"),
    dict(code="kien_nghi", sort_order=30, anonymous="allowed", required=["full_name", "address"],
         name_vi="Kiến nghị", name_en="Recommendation",
         summary_vi="Đề nghị cơ quan xem xét, sửa đổi hoặc bổ sung một chính sách, quy định, cách làm.",
         summary_en="Ask the department to review, change or add a policy, rule or practice.",
         legal_basis="Nghị định 20/2008/NĐ-CP, Điều 7"),
    dict(code="khieu_nai", sort_order=40, anonymous="refused",
         required=["full_name", "address", "cccd", "complained_decision", "request_text"],
         name_vi="Khiếu nại", name_en="Complaint",
         summary_vi="Đề nghị xem xét lại một quyết định hành chính hoặc hành vi hành chính mà bạn cho là trái pháp luật, xâm phạm quyền lợi của bạn.",
         summary_en="Ask for review of an administrative decision or act that you believe is unlawful and harms your rights.",
         legal_basis="Luật Khiếu nại 2011; Thông tư 05/2021/TT-TTCP, Điều 6"),
    dict(code="to_cao", sort_order=50, anonymous="info_only", required=["full_name", "address", "contact"],
         name_vi="Tố cáo", name_en="Denunciation",
         summary_vi="Báo cho cơ quan có thẩm quyền biết hành vi vi phạm pháp luật của cán bộ, cơ quan, tổ chức. Danh tính người tố cáo được giữ bí mật.",
         summary_en="Report a violation of the law by an official, agency or organisation. The identity of the person reporting is kept secret.",
         legal_basis="Luật Tố cáo 2018, Điều 23, 25"),
]

RULES = [
    # code, kind, step, variant, days, unit, description, source
    ("khieu_nai.accept", "khieu_nai", "accept", "normal", 10, "working",
     "Thụ lý hoặc không thụ lý khiếu nại kể từ ngày nhận đơn", "Luật Khiếu nại 2011, Điều 27; Thông tư 07/2013/TT-TTCP, Điều 5"),
    ("khieu_nai.resolve1", "khieu_nai", "resolve", "first", 30, "calendar",
     "Giải quyết khiếu nại lần đầu kể từ ngày thụ lý", "Luật Khiếu nại 2011, Điều 28"),
    ("khieu_nai.resolve1.complex", "khieu_nai", "resolve", "first_complex", 45, "calendar",
     "Giải quyết khiếu nại lần đầu, vụ việc phức tạp", "Luật Khiếu nại 2011, Điều 28"),
    ("khieu_nai.resolve1.remote", "khieu_nai", "resolve", "first_remote", 45, "calendar",
     "Giải quyết khiếu nại lần đầu, vùng sâu, vùng xa", "Luật Khiếu nại 2011, Điều 28"),
    ("khieu_nai.resolve1.remote_complex", "khieu_nai", "resolve", "first_remote_complex", 60, "calendar",
     "Giải quyết khiếu nại lần đầu, vùng sâu, vùng xa và phức tạp", "Luật Khiếu nại 2011, Điều 28"),
    ("khieu_nai.resolve2", "khieu_nai", "resolve", "second", 45, "calendar",
     "Giải quyết khiếu nại lần hai kể từ ngày thụ lý", "Luật Khiếu nại 2011, Điều 37"),
    ("khieu_nai.resolve2.complex", "khieu_nai", "resolve", "second_complex", 60, "calendar",
     "Giải quyết khiếu nại lần hai, vụ việc phức tạp", "Luật Khiếu nại 2011, Điều 37"),
    ("khieu_nai.resolve2.remote", "khieu_nai", "resolve", "second_remote", 60, "calendar",
     "Giải quyết khiếu nại lần hai, vùng sâu, vùng xa", "Luật Khiếu nại 2011, Điều 37"),
    ("khieu_nai.resolve2.remote_complex", "khieu_nai", "resolve", "second_remote_complex", 70, "calendar",
     "Giải quyết khiếu nại lần hai, vùng sâu, vùng xa và phức tạp", "Luật Khiếu nại 2011, Điều 37"),
    ("khieu_nai.file_limit", "khieu_nai", "file_limit", "normal", 90, "calendar",
     "Thời hiệu khiếu nại kể từ ngày biết quyết định, hành vi", "Luật Khiếu nại 2011, Điều 9"),
    ("khieu_nai.send_decision", "khieu_nai", "send_decision", "normal", 3, "working",
     "Gửi quyết định giải quyết khiếu nại lần đầu", "Luật Khiếu nại 2011, Điều 32"),
    ("to_cao.accept", "to_cao", "accept", "normal", 7, "working",
     "Phân loại, xác minh người tố cáo, quyết định thụ lý (gia hạn tối đa 10 ngày làm việc)", "Luật Tố cáo 2018, Điều 24"),
    ("to_cao.accept.extended", "to_cao", "accept", "extended", 10, "working",
     "Thụ lý tố cáo, trường hợp gia hạn", "Luật Tố cáo 2018, Điều 24"),
    ("to_cao.transfer", "to_cao", "transfer", "normal", 5, "working",
     "Chuyển tố cáo không thuộc thẩm quyền", "Luật Tố cáo 2018, Điều 24"),
    ("to_cao.notify", "to_cao", "notify", "normal", 5, "working",
     "Thông báo cho người tố cáo, người bị tố cáo sau khi thụ lý", "Luật Tố cáo 2018, Điều 29"),
    ("to_cao.resolve", "to_cao", "resolve", "normal", 30, "calendar",
     "Giải quyết tố cáo kể từ ngày thụ lý", "Luật Tố cáo 2018, Điều 30"),
    ("to_cao.resolve.complex", "to_cao", "resolve", "complex", 60, "calendar",
     "Giải quyết tố cáo phức tạp (gia hạn một lần, tối đa 30 ngày)", "Luật Tố cáo 2018, Điều 30; Nghị định 31/2019/NĐ-CP"),
    ("to_cao.resolve.especially_complex", "to_cao", "resolve", "especially_complex", 90, "calendar",
     "Giải quyết tố cáo đặc biệt phức tạp (gia hạn hai lần, mỗi lần tối đa 30 ngày)", "Luật Tố cáo 2018, Điều 30; Nghị định 31/2019/NĐ-CP"),
    ("phan_anh.accept", "phan_anh", "accept", "normal", 10, "working",
     "Thông báo việc thụ lý, trả lại hoặc chuyển đơn đã tiếp nhận", "Luật Tiếp công dân 2013, Điều 28"),
    ("phan_anh.transfer", "phan_anh", "transfer", "normal", 5, "working",
     "Chuyển phản ánh không thuộc phạm vi xử lý", "Nghị định 20/2008/NĐ-CP, Điều 9"),
    ("phan_anh.resolve", "phan_anh", "resolve", "normal", 15, "calendar",
     "Trả lời phản ánh (chưa tìm thấy thời hạn luật định; mặc định có thể sửa)", "Chưa xác minh: mặc định của cơ quan"),
    ("kien_nghi.accept", "kien_nghi", "accept", "normal", 10, "working",
     "Thông báo việc thụ lý, trả lại hoặc chuyển đơn đã tiếp nhận", "Luật Tiếp công dân 2013, Điều 28"),
    ("kien_nghi.transfer", "kien_nghi", "transfer", "normal", 5, "working",
     "Chuyển kiến nghị không thuộc phạm vi xử lý", "Nghị định 20/2008/NĐ-CP, Điều 9"),
    ("kien_nghi.resolve", "kien_nghi", "resolve", "normal", 15, "calendar",
     "Trả lời kiến nghị (chưa tìm thấy thời hạn luật định; mặc định có thể sửa)", "Chưa xác minh: mặc định của cơ quan"),
    ("gop_y.accept", "gop_y", "accept", "normal", 10, "working",
     "Thông báo việc tiếp nhận, xử lý góp ý", "Luật Tiếp công dân 2013, Điều 28"),
    ("gop_y.resolve", "gop_y", "resolve", "normal", 15, "calendar",
     "Trả lời góp ý (mặc định có thể sửa)", "Chưa xác minh: mặc định của cơ quan"),
]

# A starting list only (after the 2025 reform communes and wards are a flat list); edit it as data.
COMMUNES = [
    "Phường Trấn Biên", "Phường Biên Hòa", "Phường Long Bình", "Phường Tam Hiệp", "Phường Hố Nai",
    "Phường Long Khánh", "Phường Bình Lộc", "Phường Đồng Xoài", "Phường Bình Long", "Phường Phước Long",
    "Xã Trảng Bom", "Xã Long Thành", "Xã Nhơn Trạch", "Xã Định Quán", "Xã Tân Phú", "Xã Xuân Lộc",
    "Xã Cẩm Mỹ", "Xã Thống Nhất", "Xã Vĩnh Cửu", "Xã Lộc Ninh", "Xã Bù Đăng", "Xã Chơn Thành",
]

GUARDED = ("case_events",)


def upgrade():
    org = sa.table("org_settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(org, [{"key": k, "value": v} for k, v in ORG])
    units = sa.table("units", sa.column("code", sa.String), sa.column("name", sa.String),
                     sa.column("unit_type", sa.String), sa.column("sort_order", sa.Integer),
                     sa.column("active", sa.Boolean))
    op.bulk_insert(units, [dict(code=c, name=n, unit_type=t, sort_order=s, active=True)
                           for c, n, t, s in UNITS])
    kinds = sa.table("case_kinds", *(sa.column(c) for c in (
        "code", "name_vi", "name_en", "summary_vi", "summary_en", "anonymous", "required_fields",
        "legal_basis", "sort_order", "active")))
    op.bulk_insert(kinds, [dict(code=k["code"], name_vi=k["name_vi"], name_en=k["name_en"],
                                summary_vi=k["summary_vi"], summary_en=k["summary_en"],
                                anonymous=k["anonymous"], required_fields=json.dumps(k["required"]),
                                legal_basis=k["legal_basis"], sort_order=k["sort_order"], active=True)
                           for k in KINDS])
    rules = sa.table("deadline_rules", *(sa.column(c) for c in (
        "code", "kind_code", "step", "variant", "days", "day_unit", "description", "source", "active")))
    op.bulk_insert(rules, [dict(code=c, kind_code=k, step=s, variant=v, days=d, day_unit=u,
                                description=desc, source=src, active=True)
                           for c, k, s, v, d, u, desc, src in RULES])
    communes = sa.table("communes", sa.column("name", sa.String), sa.column("active", sa.Boolean))
    op.bulk_insert(communes, [{"name": n, "active": True} for n in COMMUNES])

    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$""")
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION refuse_change()")
    else:
        for table in GUARDED:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change()")
    else:
        for table in GUARDED:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    for table in ("communes", "deadline_rules", "case_kinds", "units", "org_settings"):
        op.execute(f"DELETE FROM {table}")
