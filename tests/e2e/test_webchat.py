"""The web chat on the demo hospital page, in a real headless Chromium (Debian's), against the running bot."""
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

WAIT = 90  # seconds a patient may wait for an answer on this busy machine before the test fails

class ChatPage:
    """The demo page with the widget, driven as a patient would: keyboard and clicks."""

    def __init__(self, driver, url):
        self.driver = driver
        driver.get(url)
        self.wait = WebDriverWait(driver, WAIT)
        self.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hc-launcher"))

    def open(self):
        launcher = self.driver.find_element(By.CSS_SELECTOR, ".hc-launcher")
        launcher.click()
        assert launcher.get_attribute("aria-expanded") == "true"

    def pick(self, language):
        Select(self.driver.find_element(By.ID, "hc-language")).select_by_value(language)

    def type(self, text):
        box = self.driver.find_element(By.ID, "hc-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)

    def bubbles(self, kind="bot"):
        return self.driver.find_elements(By.CSS_SELECTOR, f".hc-log .hc-{kind}")

    def texts(self, kind="bot"):
        return [b.get_attribute("textContent") for b in self.bubbles(kind)]

    def wait_for_bot(self, text):
        """The bot's bubble with `text` (a question with buttons keeps the first-reply notice in front of it)."""
        self.wait.until(lambda d: any(shown.endswith(text) for shown in self.texts()))
        return next(b for b in self.bubbles() if b.get_attribute("textContent").endswith(text))


def text_of(catalogues, language, response):
    return catalogues[language][response][0]["text"]


def test_the_page_embeds_the_chat_with_one_script_and_no_outside_resources(browser, assistant):
    ChatPage(browser, assistant.webchat)
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(r.startswith(assistant.webchat) for r in resources), resources
    scripts = browser.find_elements(By.CSS_SELECTOR, "script[src]")
    assert [s.get_attribute("src") for s in scripts] == [assistant.webchat + "/widget.js"]


def test_a_patient_asks_in_russian_and_gets_the_russian_answer(browser, assistant, catalogues):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    assert "automated" in browser.find_element(By.ID, "hc-note").text.lower(), "a visible automated-assistant note"
    page.type("Что такое интраоперационная лучевая терапия?")
    page.wait_for_bot(text_of(catalogues, "ru", "utter_iort_what"))
    assert text_of(catalogues, "ru", "utter_first_notice") in page.texts()
    assert page.texts("user") == ["Что такое интраоперационная лучевая терапия?"]


def test_arabic_renders_right_to_left(browser, assistant, catalogues):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    page.pick("ar")
    panel = browser.find_element(By.ID, "hc-panel")
    assert panel.get_attribute("dir") == "rtl" and panel.value_of_css_property("direction") == "rtl"
    assert browser.find_element(By.ID, "hc-input").get_attribute("placeholder") == "اكتب سؤالك"
    page.type("ما هو العلاج الإشعاعي أثناء الجراحة؟")
    answer = page.wait_for_bot(text_of(catalogues, "ar", "utter_iort_what"))
    assert answer.value_of_css_property("direction") == "rtl"
    user, = page.bubbles("user")
    assert user.location["x"] < answer.location["x"], "the patient's own messages sit on the left in RTL"


def test_a_button_click_sends_its_choice(browser, assistant, catalogues):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    page.pick("es")
    page.type("¿En qué me puede ayudar?")
    page.wait_for_bot(text_of(catalogues, "es", "utter_help"))
    first = catalogues["es"]["utter_help"][0]["buttons"][0]
    assert first["payload"] == "/ask_iort_what"
    button = browser.find_element(By.XPATH, f"//button[@class='hc-button' and text()='{first['title']}']")
    button.click()
    page.wait_for_bot(text_of(catalogues, "es", "utter_iort_what"))
    assert page.texts("user")[-1] == first["title"]
    assert not button.is_enabled(), "answered buttons cannot be pressed twice"


def test_reload_keeps_the_conversation(browser, assistant, catalogues):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    page.type("What is IOCT?")
    page.wait_for_bot(text_of(catalogues, "en", "utter_ioct_what"))
    before = (page.texts("user"), page.texts())
    browser.refresh()
    page = ChatPage(browser, assistant.webchat)
    assert browser.find_element(By.ID, "hc-panel").is_displayed()
    assert (page.texts("user"), page.texts()) == before
    page.type("what are its side effects?")
    page.wait_for_bot(text_of(catalogues, "en", "utter_ioct_side_effects"))  # same conversation: "its" is IOCT


def test_html_typed_by_a_patient_is_shown_as_text(browser, assistant):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    typed = '<img src=x onerror="document.title=\'hacked\'"><script>document.title="hacked"</script>'
    page.type(typed)
    page.wait.until(lambda d: len(page.bubbles()) >= 2)
    assert page.texts("user") == [typed]
    assert not browser.find_elements(By.CSS_SELECTOR, ".hc-log img, .hc-log script")
    assert browser.title != "hacked"


def test_the_chat_works_from_the_keyboard_with_labels(browser, assistant, catalogues):
    ChatPage(browser, assistant.webchat)
    launcher = browser.find_element(By.CSS_SELECTOR, ".hc-launcher")
    assert launcher.get_attribute("aria-label") and launcher.get_attribute("aria-controls") == "hc-panel"
    launcher.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element == browser.find_element(By.ID, "hc-input"), "focus goes to the input"
    log = browser.find_element(By.CSS_SELECTOR, ".hc-log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    for control in browser.find_elements(By.CSS_SELECTOR, "#hc-panel button, #hc-panel select, #hc-panel textarea"):
        labelled = control.get_attribute("aria-label") or control.text.strip() or browser.find_elements(
            By.CSS_SELECTOR, f"label[for='{control.get_attribute('id')}']")
        assert labelled, control.get_attribute("outerHTML")
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    assert not browser.find_element(By.ID, "hc-panel").is_displayed()
    assert launcher.get_attribute("aria-expanded") == "false"


def test_the_attach_button_explains_before_a_request_exists(browser, assistant, catalogues):
    page = ChatPage(browser, assistant.webchat)
    page.open()
    page.pick("fr")
    browser.find_element(By.CSS_SELECTOR, ".hc-attach").click()
    notice = browser.find_element(By.CSS_SELECTOR, ".hc-log .hc-notice").text
    assert "consultation" in notice and "lien" in notice
