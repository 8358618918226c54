"""Bulk entry: an editor uploads an interchange CSV, sees what it would do row by row, then confirms it.

The preview is a dry run of the importer's own path (services.decision_upload_apply, rolled back); the
confirmation applies the very bytes that were previewed. They wait in the session between the two
steps: a hidden field could not carry them, since Django refuses a form body over
DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) when it is not a file. The form carries a signed digest of them, so
that a confirmation from an old preview, or from another tab after a second upload, is refused.
"""
from __future__ import annotations

import base64
import hashlib

from django import forms
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..importers import UnreadableSource

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Each row takes some 10 ms to preview and again to apply, within one request: keep it well under a minute.
MAX_ROWS = 1000
PREVIEW_MAX_AGE = 60 * 60  # seconds within which a preview can be confirmed
SESSION_KEY = "fines.bulk_upload"
SIGNING_SALT = "fines.admin.bulk"
MAX_LISTED = 200  # changed decisions shown together in one link to the list (the ids go in its URL)


class BulkUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Interchange CSV file"),
        help_text=_("One decision a row, with a header row naming the columns, as the register’s CSV export writes it."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise ValidationError(
                _("“%(name)s” is not a .csv file: only interchange CSV can be uploaded here."),
                params={"name": upload.name},
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        return upload


class BulkUploadMixin:
    """For DecisionAdmin: the "Upload CSV" page behind the button on the decisions list."""

    bulk_upload_template = "admin/fines/decision/bulk_upload.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_bulk_upload"
        return [path("upload/", self.admin_site.admin_view(self.bulk_upload_view), name=name), *super().get_urls()]

    def bulk_upload_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return self._bulk_render(request, form=BulkUploadForm())
        if "upload" in request.POST:
            return self._bulk_confirm(request)
        form = BulkUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._bulk_render(request, form=form, status=400)
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            report = services.decision_upload_apply(
                data=data, publish=self._bulk_publish(request), dry_run=True, max_rows=MAX_ROWS
            )
        except (UnreadableSource, services.UploadTooLarge) as error:
            form.add_error("file", str(error))
            return self._bulk_render(request, form=form, status=400)
        digest = hashlib.sha256(data).hexdigest()
        request.session[SESSION_KEY] = {
            "name": upload.name,
            "sha256": digest,
            "data": base64.b64encode(data).decode("ascii"),
            "preview": [[row.row, row.outcome] for row in report.rows],
        }
        token = signing.dumps({"sha256": digest, "name": upload.name}, salt=SIGNING_SALT)
        return self._bulk_render(request, report=report, name=upload.name, token=token)

    def _bulk_confirm(self, request):
        try:
            token = signing.loads(request.POST["upload"], salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
        except signing.BadSignature:  # altered, or older than PREVIEW_MAX_AGE
            return self._bulk_refuse(request, gettext(
                "This preview has expired or was altered, so nothing was applied. Upload the file again."
            ))
        pending = request.session.get(SESSION_KEY) or {}
        data = base64.b64decode(pending.get("data", ""))
        if hashlib.sha256(data).hexdigest() != token.get("sha256") or pending.get("sha256") != token.get("sha256"):
            return self._bulk_refuse(request, gettext(
                "The file to apply is not the one this preview showed (another file may have been previewed "
                "since), so nothing was applied. Upload it again and check the new preview."
            ))
        # The previewed bytes: they were readable then.
        report = services.decision_upload_apply(data=data, publish=self._bulk_publish(request))
        del request.session[SESSION_KEY]
        previewed = {row: outcome for row, outcome in pending["preview"]}
        differing = sum(1 for row in report.rows if previewed.get(row.row) != row.outcome)
        return self._bulk_render(request, report=report, name=pending["name"], applied=True, differing=differing)

    def _bulk_publish(self, request) -> bool:
        """Whether the decisions an upload creates are published at once (else drafts)."""
        return request.user.has_perm("fines.publish_decision")

    def _bulk_refuse(self, request, message: str):
        return self._bulk_render(request, form=BulkUploadForm(), refused=message, status=400)

    def _bulk_render(self, request, *, status: int = 200, **context):
        report = context.get("report")
        if report is not None:
            context["totals"] = report.totals
            changed = report.changed
            if changed and len(changed) <= MAX_LISTED:
                changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
                context["changed_url"] = f"{changelist}?id__in={','.join(map(str, changed))}"
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Upload decisions from a CSV file"),
            "opts": self.opts,
            "max_size": MAX_UPLOAD_BYTES,
            "max_rows": MAX_ROWS,
            "publish": self._bulk_publish(request),
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.bulk_upload_template, context, status=status)
