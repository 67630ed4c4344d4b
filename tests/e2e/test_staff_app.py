"""The staff app in a real browser, on the tracker store the running bot filled with real conversations."""
import subprocess
import sys
import uuid

import pytest
import requests
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from bot.serve import ROOT

PASSWORD = "a long staff password 42"


@pytest.fixture(scope="module")
def accounts(assistant):
    for name, role in (("coordinator1", "coordinator"), ("clinician1", "clinician")):
        subprocess.run([sys.executable, "-m", "bot.staff", "create-account", name, "--role", role], cwd=ROOT,
                       env=assistant.env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)


def say(assistant, sender, text):
    answer = requests.post(assistant.webhook, json={"sender": sender, "message": text}, timeout=120)
    answer.raise_for_status()


@pytest.fixture(scope="module")
def conversations(assistant):
    """A Russian patient who asks for a person (hand-off) and an English one who only asks a question."""
    russian, english = f"ru-{uuid.uuid4().hex[:8]}", f"en-{uuid.uuid4().hex[:8]}"
    say(assistant, russian, "Что такое интраоперационная лучевая терапия?")
    say(assistant, russian, "Хочу поговорить с живым человеком, с координатором")
    say(assistant, english, "What is IOCT?")
    return russian, english


def patiently(browser) -> WebDriverWait:
    """A wait that tries again when the browser, between two pages, cannot answer yet."""
    return WebDriverWait(browser, 60, ignored_exceptions=(WebDriverException,))


def visit(browser, url: str) -> str:
    """Open the page and wait until it shows something; its text."""
    browser.get(url)
    return patiently(browser).until(lambda driver: driver.find_element(By.TAG_NAME, "body").text)


def click_and_wait_for_next_page(browser, by, selector):
    """Click a link or submit button, then wait until the page it leads to has replaced the current one."""
    browser.execute_script("window.leftBehind = true")
    browser.find_element(by, selector).click()
    patiently(browser).until(lambda driver: driver.execute_script(
        "return !window.leftBehind && document.readyState === 'complete'"))


def sign_in(browser, assistant, username):
    visit(browser, assistant.staff + "/sign-in")
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    # Wait for the signed-in page: going elsewhere before it arrives would cancel the sign-in.
    click_and_wait_for_next_page(browser, By.CSS_SELECTOR, "form button[type=submit]")
    assert "/sign-in" not in browser.current_url, "signed in"


def test_the_app_runs_on_a_production_wsgi_server_not_flasks_own(assistant):
    served_by = requests.get(assistant.staff + "/sign-in", timeout=30).headers.get("Server", "")
    assert served_by == "staff" and "Werkzeug" not in served_by


@pytest.mark.parametrize("path", ["/", "/conversations", "/dashboard", "/audit"])
def test_signed_out_every_page_goes_to_sign_in(browser, assistant, path):
    browser.get(assistant.staff + path)
    assert browser.current_url.startswith(assistant.staff + "/sign-in")


def test_a_coordinator_finds_reads_reviews_and_exports_a_russian_hand_off(browser, assistant, accounts,
                                                                          conversations):
    russian, english = conversations
    sign_in(browser, assistant, "coordinator1")
    visit(browser, assistant.staff + "/conversations")
    Select(browser.find_element(By.NAME, "language")).select_by_value("ru")
    Select(browser.find_element(By.NAME, "flag")).select_by_value("handoff")
    click_and_wait_for_next_page(browser, By.CSS_SELECTOR, "form.filters button")
    found = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "tr.conversation a")]
    assert russian in found and english not in found
    click_and_wait_for_next_page(browser, By.LINK_TEXT, russian)
    understood = browser.find_elements(By.CSS_SELECTOR, "tr.patient .intent")
    assert [u.text for u in understood] == ["What IORT is", "Wants a person: coordinator, nurse, doctor"]
    assert browser.find_elements(By.CSS_SELECTOR, "tr.bot .english"), "the English reply beside the Russian one"
    click_and_wait_for_next_page(browser, By.XPATH, "//button[text()='Mark reviewed']")
    assert "Reviewed by coordinator1" in browser.find_element(By.ID, "review-status").text
    visit(browser, assistant.staff + "/conversations?language=ru&flag=handoff")
    browser.find_element(By.CSS_SELECTOR, f"input[value='{russian}']").click()
    browser.find_element(By.XPATH, "//button[text()='Export']").click()
    WebDriverWait(browser, 30).until(lambda _: list(browser.download_dir.glob("conversations-*.csv")))
    exported = next(browser.download_dir.glob("conversations-*.csv")).read_text(encoding="utf-8")
    assert russian in exported and "request_human" in exported and english not in exported


def test_a_clinician_cannot_open_an_unflagged_conversation(browser, assistant, accounts, conversations):
    russian, english = conversations
    sign_in(browser, assistant, "clinician1")
    assert "Forbidden" in visit(browser, f"{assistant.staff}/conversations/{english}")
    visit(browser, f"{assistant.staff}/conversations/{russian}")
    assert browser.find_elements(By.CSS_SELECTOR, "tr.patient"), "a handed-off conversation is open to clinicians"


def test_every_view_and_export_is_in_the_audit_log(browser, assistant, accounts, conversations):
    subprocess.run([sys.executable, "-m", "bot.staff", "create-account", "admin1"], cwd=ROOT, env=assistant.env,
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    sign_in(browser, assistant, "admin1")
    visit(browser, assistant.staff + "/audit")
    log = browser.find_element(By.TAG_NAME, "table").text
    for entry in ("coordinator1 view_conversation", "coordinator1 mark_reviewed", "coordinator1 export_csv",
                  "clinician1 view_refused", "admin1 sign_in"):
        assert entry in log, entry
