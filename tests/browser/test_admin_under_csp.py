"""The Django admin works in a real browser under the Content Security Policy: its scripts run, nothing is blocked."""

import pytest

PASSWORD = "a-long-admin-password"


@pytest.mark.django_db(transaction=True)
def test_admin_scripts_run_and_nothing_is_blocked_by_the_policy(live_server, page, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)
    for name in ("claire", "malik"):
        django_user_model.objects.create_user(name, f"{name}@example.org", PASSWORD)
    blocked, errors, policies = [], [], set()
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", lambda response: policies.add(response.headers.get("content-security-policy")))

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    # actions.js: ticking the header box ticks every row.
    page.goto(f"{live_server.url}/admin/auth/user/")
    page.check("#action-toggle")
    row_boxes = page.locator("input.action-select")
    assert row_boxes.count() == 3
    assert all(row_boxes.nth(i).is_checked() for i in range(3))

    # SelectFilter2.js: the permissions <select multiple> becomes a two-list chooser.
    page.goto(f"{live_server.url}/admin/auth/user/{admin.pk}/change/")
    assert page.locator("#id_user_permissions_from").count() == 1

    # theme.js: the theme button switches the colour scheme.
    before = page.evaluate("document.documentElement.dataset.theme || 'auto'")
    page.locator("button.theme-toggle").first.click()
    assert page.evaluate("document.documentElement.dataset.theme") != before

    assert blocked == []
    assert errors == []
    assert any(policy and "default-src 'self'" in policy for policy in policies)
