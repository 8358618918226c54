"""Pages of the API's lists: ?page= as on the public list, and ?page_size= up to 500."""
from __future__ import annotations

import re

from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.views import APIView

from .filters import InvalidQuery

MAX_PAGE_SIZE = 500
_WHOLE_NUMBER = re.compile(r"[0-9]+")


class RegisterPagination(PageNumberPagination):
    """Page numbers rather than offsets, so that /fines/?page=3 and /api/decisions/?page=3 agree.

    A page size above the maximum is read as the maximum; anything that is not a page number (0 and below
    included) is a 400 naming the parameter, and a page past the last is a 404, as on the public list.
    """

    page_size = settings.FINES_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = gettext_lazy("Page number, from 1.")
    page_size_query_description = gettext_lazy(
        "Results per page, 50 when not given; at most 500 (a larger number is read as 500)."
    )

    def get_page_size(self, request: Request) -> int:
        value = request.query_params.get(self.page_size_query_param, "").strip()
        if not value:
            return self.page_size
        digits = value.lstrip("0")
        if not _WHOLE_NUMBER.fullmatch(value) or not digits:
            message = _("“%(size)s” is not a page size (1 to %(max)s).") % {"size": value, "max": self.max_page_size}
            raise InvalidQuery({self.page_size_query_param: [message]})
        # Compared by length first: int() refuses strings of more than 4300 digits.
        if len(digits) > len(str(self.max_page_size)):
            return self.max_page_size
        return min(int(digits), self.max_page_size)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: APIView | None = None) -> list:
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = request.query_params.get(self.page_query_param, "").strip() or "1"
        try:
            self.page = paginator.page(number)
        except PageNotAnInteger:
            message = _("“%(page)s” is not a page number.") % {"page": number}
            raise InvalidQuery({self.page_query_param: [message]}) from None
        except EmptyPage:
            if int(number) < 1:
                message = _("“%(page)s” is not a page number.") % {"page": number}
                raise InvalidQuery({self.page_query_param: [message]}) from None
            raise NotFound(_("There is no page %(page)s of this list.") % {"page": number}) from None
        return list(self.page)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            parameter["allowEmptyValue"] = True  # the first page, or the usual size
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["default"] = self.page_size
        return parameters
