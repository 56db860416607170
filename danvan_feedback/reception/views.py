"""Citizen reception log (sổ tiếp công dân) and dialogue sessions (đối thoại)."""
from flask import Blueprint

bp = Blueprint("reception", __name__)
