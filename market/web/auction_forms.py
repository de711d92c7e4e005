"""What the operator and bidder forms share: who may post them, and how a form's text becomes
the API's own input, checked by the API's own schema (the same field messages).

A page form sends text: amounts in 元 (the API takes integer fen), local times without an
offset (read as Asia/Shanghai, as the API reads naive times). `load_form` turns a form into the
API's JSON body and returns either the loaded body or the field messages to show next to the
fields."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, redirect, request, url_for
from marshmallow import Schema, ValidationError

from .session_auth import page_user

YUAN_ERROR = "请填写金额（元，最多两位小数） (amount in yuan)"
ID_ERROR = "请填写编号 (a whole number)"


class FormErrors(Exception):
    """Field messages to show on the page, with the status the API would answer."""

    def __init__(self, errors: dict, status: int = 422):
        super().__init__(errors)
        self.errors, self.status = errors, status


def signed_in_user() -> dict:
    """The page's user; someone signed out is sent to the login page and back here."""
    user = page_user()
    if user is None:
        abort(redirect(url_for("web_auth.login", next=request.full_path.rstrip("?"))))
    return user


def yuan_to_fen(text: str) -> int:
    """'500000' or '1,234.5' 元 → fen; ValueError on anything else (the caller names the field)."""
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except InvalidOperation:
        raise ValueError(YUAN_ERROR) from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value():
        raise ValueError(YUAN_ERROR)
    return int(fen)


def form_body(*, money: tuple[str, ...] = (), ids: tuple[str, ...] = (), text: tuple[str, ...] = ()) -> dict:
    """The API's JSON body from the posted form: `<name>_yuan` fields become `<name>_fen`
    integers, ids integers, empty fields absent. Raises FormErrors for text that is no number."""
    form, body, errors = request.form, {}, {}
    for name in money:
        raw = form.get(f"{name}_yuan", "").strip()
        if raw:
            try:
                body[f"{name}_fen"] = yuan_to_fen(raw)
            except ValueError as exc:
                errors[f"{name}_fen"] = [str(exc)]
    for name in ids:
        raw = form.get(name, "").strip()
        if raw:
            if raw.isascii() and raw.isdigit() and len(raw) < 12:
                body[name] = int(raw)
            else:
                errors[name] = [ID_ERROR]
    for name in text:
        raw = form.get(name, "").strip()
        if raw:
            body[name] = raw
    if errors:
        raise FormErrors(errors)
    return body


def load_form(schema: Schema, body: dict) -> dict:
    """The body loaded by the API's schema, or FormErrors with its messages."""
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise FormErrors(exc.messages) from None


def field_errors(errors: dict) -> dict[str, str]:
    """{field: 'message; message'} for the templates (nested messages flattened)."""
    flat = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):
            messages = [m for ms in messages.values() for m in (ms if isinstance(ms, list) else [ms])]
        flat[field] = "；".join(str(m) for m in (messages if isinstance(messages, list) else [messages]))
    return flat
