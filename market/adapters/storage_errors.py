"""The storage's exceptions for a write that lost a race, in the domain's words."""
from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from market.domain.errors import DuplicateWrite, StaleWrite


@contextmanager
def domain_errors():
    """A version-conditional write that found the row moved (`StaleWrite`), or a unique constraint
    that refused the write (`DuplicateWrite`); services need not import SQLAlchemy."""
    try:
        yield
    except StaleDataError as exc:
        raise StaleWrite() from exc
    except IntegrityError as exc:
        raise DuplicateWrite() from exc
