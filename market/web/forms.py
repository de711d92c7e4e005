"""What the member and operator pages share: who is signed in, reading a posted form through the
API's own marshmallow schema, and turning refusals into Chinese messages on the page.

A form's values are strings; `form_values` turns them into what the schema loads (money typed
in 元 becomes integer fen, lists split on commas), so the page and the API refuse the same input
with the same field messages."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, request, url_for
from marshmallow import Schema, ValidationError

from market.domain.errors import DomainError

from .session_auth import page_user

_ENGLISH_TAIL = re.compile(r"\s*\((?=[^()]*[A-Za-z])[^()]*\)\s*$")
_YUAN = re.compile(r"^\d{1,13}(\.\d{1,2})?$")
_LIST_SPLIT = re.compile(r"[,，;；、\n]+")
MONEY_MESSAGE = "请输入金额（元），最多两位小数"


def chinese(message: str) -> str:
    """The Chinese half of a bilingual message ("必填字段 (required)" -> "必填字段")."""
    return _ENGLISH_TAIL.sub("", str(message)).strip() or str(message)


def signed_in() -> dict:
    """The page's user, or a redirect to the login page that comes back here afterwards."""
    user = page_user()
    if user is None:
        abort(redirect(url_for("web_auth.login", next=request.full_path.rstrip("?"))))
    return user


def yuan_to_fen(text: str) -> int:
    text = text.replace(",", "").replace("，", "").strip()
    if not _YUAN.match(text):
        raise ValueError(MONEY_MESSAGE)
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation as exc:   # unreachable after the pattern; kept for safety
        raise ValueError(MONEY_MESSAGE) from exc


def form_values(form, schema: Schema, spec: dict[str, str], *, editing: bool = False) -> tuple[dict, dict]:
    """The posted form as the schema's input, and the errors of values that could not be read.

    `spec` names each field's kind: text, money (元), list (comma separated) or multi (checkboxes).
    A blank field is left out when creating; when editing it clears the field (None where the
    schema allows it, else an empty string, which the schema judges)."""
    data, errors = {}, {}
    for name, kind in spec.items():
        if kind == "list":
            data[name] = [v.strip() for v in _LIST_SPLIT.split(form.get(name, "")) if v.strip()]
        elif kind == "multi":
            data[name] = [v for v in form.getlist(name) if v]
        elif not form.get(name, "").strip():
            if editing:
                data[name] = None if schema.fields[name].allow_none else ""
        elif kind == "money":
            try:
                data[name] = yuan_to_fen(form[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
        else:
            data[name] = form[name].strip()
    return data, errors


def load(schema: Schema, data: dict, errors: dict | None = None) -> tuple[dict | None, dict]:
    """(loaded, {}) or (None, field messages in Chinese): the API's own validation."""
    errors = dict(errors or {})
    unreadable = set(errors)         # a value that could not be read is not also "required"
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        for name, messages in exc.normalized_messages().items():
            if name not in unreadable:
                errors.setdefault(name, []).extend(_flat(messages))
        loaded = None
    if errors:
        return None, {name: [chinese(m) for m in messages] for name, messages in errors.items()}
    return loaded, {}


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def refusal(exc: DomainError) -> tuple[str, dict]:
    """A service's refusal as the page shows it: the message and its field messages, in Chinese."""
    fields = {name: [chinese(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
              for name, msgs in (exc.errors or {}).items()}
    return chinese(exc.message), fields


def done(message: str, endpoint: str, **values):
    """After a successful POST: say so, and show the next page (post/redirect/get)."""
    flash(message)
    return redirect(url_for(endpoint, **values))


def back_with_refusal(exc: DomainError, endpoint: str, **values):
    """A refused action from a button: the reason is flashed on the page it came from."""
    message, fields = refusal(exc)
    details = "；".join(m for msgs in fields.values() for m in msgs if m not in message)
    flash(f"操作未完成：{message}" + (f"（{details}）" if details else ""), "error")
    return redirect(url_for(endpoint, **values))
