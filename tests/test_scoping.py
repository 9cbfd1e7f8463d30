"""A department never sees another department's cases, on any page or guessed URL; auditors
see and never act; the refusals are tested one by one."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from viewflow.workflow.status import STATUS

from governance.cases.services import share_case
from governance.models import Case, Consultation, Job, User
from workflows.consultation import ConsultationFlow

pytestmark = pytest.mark.django_db

SECRET_TITLE = "総務部だけの秘密の相談"
NODE_VIEWS = ("index", "detail", "execute", "assign", "unassign", "cancel", "undo", "revive")


def open_consultation(client: Client, title: str) -> Consultation:
    url = ConsultationFlow.start.reverse("execute")
    response = client.post(url, {"title": title, "question": "内容"})
    assert response.status_code == 302, response.content.decode()[:500]
    return Consultation.objects.get(title=title)


@pytest.fixture
def secret(cast: dict[str, User], login: Any) -> Consultation:
    """A consultation of department A, waiting for the reviewer's answer."""
    return open_consultation(login(cast["staff_a"]), SECRET_TITLE)


def open_task(case: Case) -> Any:
    assert case.process is not None
    return case.process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).get()


def flow_page_urls(case: Case) -> list[str]:
    flow = ConsultationFlow.instance
    assert case.process_id is not None
    return [
        flow.reverse("index"),
        flow.reverse("process_list"),
        flow.reverse("task_list"),
        flow.reverse("inbox"),
        flow.reverse("queue"),
        flow.reverse("archive"),
        "/home/",
        "/home/cases/",
        "/home/notifications/",
    ]


def guessed_urls(case: Case) -> list[str]:
    flow = ConsultationFlow.instance
    task = open_task(case)
    urls = [
        flow.reverse("process_detail", args=[case.process_id]),
        flow.reverse("process_chart", args=[case.process_id]),
        flow.reverse("process_cancel", args=[case.process_id]),
        f"/home/cases/{case.pk}/",
    ]
    for name in NODE_VIEWS:
        urls.append(task.flow_task.reverse(name, args=[case.process_id, task.pk]))
    return urls


def test_staff_of_another_department_sees_nothing_in_any_list(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    outsider = login(cast["staff_b"])
    for url in flow_page_urls(secret):
        response = outsider.get(url, follow=True)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_TITLE not in body, url
        assert secret.number not in body, url


def test_staff_of_another_department_is_refused_every_guessed_url(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    outsider = login(cast["staff_b"])
    for url in guessed_urls(secret):
        response = outsider.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        if response.status_code == 302:
            # viewflow's task index sends people without rights to the site root
            assert response["Location"] == "/", url
        followed = outsider.get(url, follow=True)
        assert SECRET_TITLE not in followed.content.decode(), url


def test_staff_of_another_department_cannot_take_or_do_the_task_by_post(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    outsider = login(cast["staff_b"])
    task = open_task(secret)
    for name in ("assign", "execute", "unassign", "cancel"):
        url = task.flow_task.reverse(name, args=[secret.process_id, task.pk])
        response = outsider.post(url, {"answer": "横取り"})
        assert response.status_code in (403, 404), (name, response.status_code)
    bulk = ConsultationFlow.instance.reverse("tasks_unassign")
    confirm_page = outsider.post(bulk, {"pk": [task.pk]})
    assert SECRET_TITLE not in confirm_page.content.decode()
    outsider.post(bulk, {"pk": [task.pk], "_confirm": "1"})
    task.refresh_from_db()
    assert task.owner == cast["reviewer"]
    assert secret.messages.count() == 1


def test_department_staff_see_their_own_department_case(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    colleague = login(cast["staff_a2"])
    response = colleague.get(f"/home/cases/{secret.pk}/", follow=True)
    assert response.status_code == 200
    assert SECRET_TITLE in response.content.decode()
    listing = colleague.get(ConsultationFlow.instance.reverse("process_list"))
    assert secret.number in listing.content.decode()


def test_governance_reviewer_sees_every_department_case(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    response = login(cast["reviewer2"]).get("/home/cases/")
    assert secret.number in response.content.decode()


def test_auditor_sees_the_case_and_its_steps(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    auditor = login(cast["auditor"])
    assert SECRET_TITLE in auditor.get(f"/home/cases/{secret.pk}/", follow=True).content.decode()
    assert (
        secret.number
        in auditor.get(ConsultationFlow.instance.reverse("task_list")).content.decode()
    )


def test_auditor_is_refused_every_action(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    auditor = login(cast["auditor"])
    task = open_task(secret)
    for name in ("assign", "execute", "unassign", "cancel", "undo"):
        url = task.flow_task.reverse(name, args=[secret.process_id, task.pk])
        assert auditor.post(url, {"answer": "監査人の回答"}).status_code in (403, 404), name
    start = ConsultationFlow.start.reverse("execute")
    assert auditor.get(start).status_code == 403
    assert auditor.post(start, {"title": "x", "question": "y"}).status_code == 403
    assert Consultation.objects.count() == 1
    case_page = auditor.get(f"/home/cases/{secret.pk}/", follow=True).content.decode()
    assert "shinsa-task-action" not in case_page


def test_csirt_member_is_refused_the_consultation_pages(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    csirt = login(cast["csirt"])
    assert csirt.get(ConsultationFlow.instance.reverse("process_list")).status_code == 403
    assert csirt.get(f"/home/cases/{secret.pk}/").status_code == 404
    assert secret.number not in csirt.get("/home/cases/").content.decode()


def test_a_case_shared_with_another_department_is_visible_but_not_workable(
    secret: Consultation, cast: dict[str, User], login: Any, dept_b: Any
) -> None:
    share_case(actor=cast["reviewer"], case=secret, departments=[dept_b], reason="共同調達の参考")
    outsider = login(cast["staff_b"])
    assert SECRET_TITLE in outsider.get(f"/home/cases/{secret.pk}/", follow=True).content.decode()
    task = open_task(secret)
    url = task.flow_task.reverse("execute", args=[secret.process_id, task.pk])
    assert outsider.post(url, {"answer": "回答"}).status_code == 403


def test_a_case_shared_with_one_person_is_visible_to_that_person_only(
    secret: Consultation, cast: dict[str, User], login: Any, dept_b: Any
) -> None:
    stranger = User.objects.create_user("stranger", department=dept_b)
    stranger.groups.add(*cast["staff_b"].groups.all())
    share_case(actor=cast["staff_a"], case=secret, users=[cast["staff_b"]], reason="参考")
    assert secret.number in login(cast["staff_b"]).get("/home/cases/").content.decode()
    assert secret.number not in login(stranger).get("/home/cases/").content.decode()


def test_sharing_is_refused_to_another_department_and_to_auditors(
    secret: Consultation, cast: dict[str, User], dept_b: Any
) -> None:
    from django.core.exceptions import PermissionDenied

    for actor in (cast["staff_b"], cast["auditor"]):
        with pytest.raises(PermissionDenied):
            share_case(actor=actor, case=secret, departments=[dept_b], reason="x")


def test_the_department_shares_its_case_from_the_case_page_and_takes_it_back(
    secret: Consultation, cast: dict[str, User], login: Any, dept_b: Any
) -> None:
    from governance.models import AuditEvent

    owner, outsider = login(cast["staff_a"]), login(cast["staff_b"])
    case_page = f"/home/cases/{secret.pk}/"
    assert 'id="case-sharing"' in owner.get(case_page, follow=True).content.decode()
    owner.post(f"/home/cases/{secret.pk}/share/", {"department": dept_b.pk, "reason": "共同調達"})
    assert SECRET_TITLE in outsider.get(case_page, follow=True).content.decode()
    shared = AuditEvent.objects.get(action="case.share")
    assert (shared.actor, shared.reason) == (cast["staff_a"], "共同調達")

    owner.post(f"/home/cases/{secret.pk}/unshare/", {"department": dept_b.pk, "reason": "終了"})
    assert outsider.get(case_page).status_code == 404
    assert AuditEvent.objects.get(action="case.unshare").reason == "終了"


def test_sharing_without_a_reason_or_with_its_own_department_changes_nothing(
    secret: Consultation, cast: dict[str, User], login: Any, dept_a: Any, dept_b: Any
) -> None:
    from governance.cases.services import SHARE_NEEDS_REASON, SHARE_WITH_OWN_DEPARTMENT
    from governance.models import AuditEvent

    owner = login(cast["staff_a"])
    url = f"/home/cases/{secret.pk}/share/"
    response = owner.post(url, {"department": dept_b.pk, "reason": "　"}, follow=True)
    assert SHARE_NEEDS_REASON in response.content.decode()
    response = owner.post(url, {"department": dept_a.pk, "reason": "参考"}, follow=True)
    assert "候補にありません" in response.content.decode()  # not a department to choose
    with pytest.raises(ValueError, match=SHARE_WITH_OWN_DEPARTMENT):
        share_case(actor=cast["staff_a"], case=secret, departments=[dept_a], reason="参考")
    assert not AuditEvent.objects.filter(action="case.share").exists()
    assert login(cast["staff_b"]).get(f"/home/cases/{secret.pk}/").status_code == 404


def test_the_sharing_card_and_its_urls_are_refused_to_auditors_and_other_departments(
    secret: Consultation, cast: dict[str, User], login: Any, dept_b: Any
) -> None:
    from governance.models import AuditEvent

    auditor = login(cast["auditor"])
    assert (
        'id="case-sharing"'
        not in auditor.get(f"/home/cases/{secret.pk}/", follow=True).content.decode()
    )
    data = {"department": dept_b.pk, "reason": "参考"}
    assert auditor.post(f"/home/cases/{secret.pk}/share/", data).status_code == 403
    assert login(cast["staff_b"]).post(f"/home/cases/{secret.pk}/share/", data).status_code == 404
    assert not AuditEvent.objects.filter(action="case.share").exists()


def test_anonymous_users_are_sent_to_the_login_page(secret: Consultation) -> None:
    anonymous = Client()
    for url in [*flow_page_urls(secret), *guessed_urls(secret), "/audit/", "/jobs/"]:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_the_login_page_is_open_and_in_japanese() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert 'lang="ja"' in response.content.decode()


def test_audit_and_jobs_pages_are_refused_to_department_staff(
    secret: Consultation, cast: dict[str, User], login: Any
) -> None:
    # A failed job of department A's own case: staff see it on the case page, never on the
    # jobs page, which lists every department's jobs.
    Job.objects.create(
        kind="send_email",
        case=secret,
        status=Job.Status.FAILED,
        available_at=timezone.now(),
        last_error="SMTP 接続に失敗しました",
    )
    for name in ("staff_a", "staff_b", "csirt"):
        client = login(cast[name])
        assert client.get("/audit/").status_code == 403, name
        jobs = client.get("/jobs/")
        assert jobs.status_code == 403, name
        assert "SMTP 接続に失敗しました" not in jobs.content.decode(), name
    auditor = login(cast["auditor"])
    assert auditor.get("/audit/").status_code == 200
    for name in ("auditor", "reviewer"):
        jobs = login(cast[name]).get("/jobs/")
        assert jobs.status_code == 200, name
        assert "SMTP 接続に失敗しました" in jobs.content.decode(), name


def test_english_is_used_only_when_chosen_not_from_the_browser_language(
    cast: dict[str, User], login: Any
) -> None:
    client = login(cast["staff_a"])
    response = client.get("/home/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ja"' in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/home/"})
    assert 'lang="en"' in client.get("/home/").content.decode()


def test_the_retry_button_shows_only_to_those_the_retry_service_accepts(
    secret: Consultation, cast: dict[str, User], login: Any, dept_b: Any
) -> None:
    Job.objects.create(
        kind="send_email",
        case=secret,
        status=Job.Status.FAILED,
        available_at=timezone.now(),
        last_error="SMTP 接続に失敗しました",
    )
    share_case(actor=cast["reviewer"], case=secret, departments=[dept_b], reason="参考")
    page = f"/home/cases/{secret.pk}/"
    assert "再実行" in login(cast["staff_a"]).get(page, follow=True).content.decode()
    assert "再実行" in login(cast["reviewer"]).get(page, follow=True).content.decode()
    for viewer in ("staff_b", "auditor"):
        body = login(cast[viewer]).get(page, follow=True).content.decode()
        assert "SMTP 接続に失敗しました" in body
        assert "再実行" not in body, viewer
