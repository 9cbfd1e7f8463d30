"""Case pages shared by every kind: the list across kinds, file downloads, documents."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from forms.cases import ShareCaseForm
from governance import japanese
from governance.cases import list_rows, selectors
from governance.cases import services as case_services
from governance.cases.services import documents
from governance.cases.services.evidence import record_evidence_access
from governance.conflicts import retry_once_on_conflict
from governance.models import (
    AdvisoryDocument,
    Attachment,
    CaseKind,
    CaseStatus,
    DocumentVersion,
)


def _cursor(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


class CaseListView(generic.TemplateView):
    """Every case the user may see, newest first, filterable by kind, status, fiscal year and
    text; 50 a page, each page addressed by the case it follows (keyset), with the total."""

    template_name = "cases/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        filters = selectors.CaseListFilters(
            kind=params["kind"] if params.get("kind") in CaseKind.values else "",
            status=params["status"] if params.get("status") in CaseStatus.values else "",
            fiscal_year=japanese.read_fiscal_year(params.get("fiscal_year", "")),
            text=params.get("q", "").strip(),
        )
        page = selectors.case_list_page(
            self.request.user,
            filters,
            after=_cursor(params.get("after")),
            before=_cursor(params.get("before")),
            last=params.get("last") == "1",
        )
        kept = urlencode(
            {key: value for key, value in params.items() if key not in ("after", "before", "last")}
        )
        context.update(
            cases=page.rows,
            rows_html=list_rows.rows_html(page.rows),
            page=page,
            query=f"{kept}&" if kept else "",
            kind_options=list_rows.options_html(CaseKind.choices, params.get("kind")),
            status_options=list_rows.options_html(CaseStatus.choices, params.get("status")),
            params=params,
        )
        return context


def case_redirect(request: Any, pk: int) -> HttpResponseRedirect:
    """A stable address for a case, whatever flow moves it: /cases/<pk>/."""
    case = selectors.access_case(request.user, pk)
    if case.process_id is None:
        raise Http404
    process = case.process
    assert process is not None
    return HttpResponseRedirect(
        process.flow_class.instance.reverse("process_detail", args=[process.pk])
    )


def download_document(request: Any, pk: int) -> FileResponse:
    version = get_object_or_404(DocumentVersion.objects.select_related("document"), pk=pk)
    selectors.access_case(request.user, version.document.case_id)
    record_evidence_access(
        user=request.user, case_id=version.document.case_id, document_version=version
    )
    filename = f"{version.document.number}_{version.document.title}_v{version.version}.docx"
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=filename)


@require_POST
@retry_once_on_conflict
def regenerate_document(request: Any, pk: int) -> HttpResponse:
    """The case page's 再作成 button: a new version of the document, made in the background."""
    document = get_object_or_404(AdvisoryDocument.objects.select_related("case"), pk=pk)
    selectors.access_case(request.user, document.case_id)
    try:
        documents.regenerate_document(
            actor=request.user,
            document=document,
            reason=request.POST.get("reason", ""),
            request_token=request.POST.get("request_token", ""),
        )
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("文書の再作成を受け付けました。新しい版は作成後に表示されます。")
        )
    return redirect("home:case", document.case_id)


@require_POST
def share(request: Any, pk: int, undo: bool = False) -> HttpResponse:
    """The case page's 共有 card: let another department read the case, or take it back."""
    case = selectors.access_case(request.user, pk)
    form = ShareCaseForm(request.POST, case=case)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("home:case", case.pk)
    department, reason = form.cleaned_data["department"], form.cleaned_data["reason"]
    service = case_services.unshare_case if undo else case_services.share_case
    try:
        service(actor=request.user, case=case, departments=[department], reason=reason)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        done = (
            _("{department}との共有を解除しました。") if undo else _("{department}と共有しました。")
        )
        messages.success(request, done.format(department=department.label))
    return redirect("home:case", case.pk)


def download_attachment(request: Any, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment, pk=pk)
    selectors.access_case(request.user, attachment.case_id)
    if not attachment.file:
        raise Http404
    record_evidence_access(user=request.user, case_id=attachment.case_id, attachment=attachment)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name
    )
