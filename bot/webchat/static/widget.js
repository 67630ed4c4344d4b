/*
 * The hospital's patient-assistant chat, embeddable with one tag:
 *   <script src="https://assistant.example/widget.js" data-server="https://assistant.example" defer></script>
 * It talks to Rasa's REST channel (POST {data-server}/webhooks/rest/webhook). No dependency, no CDN, no font:
 * everything it needs is in this file and widget.css next to it.
 * Patient and bot text is only ever inserted as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var SERVER = (script.getAttribute("data-server") || "").replace(/\/$/, "");
  var ASSETS = script.src.replace(/[^/]*$/, "");
  var STORE = "hospitalAssistant.v1";
  var RTL = { ar: true };
  var LANGUAGES = [
    ["en", "English"], ["zh", "中文"], ["ru", "Русский"], ["ar", "العربية"],
    ["es", "Español"], ["fr", "Français"], ["id", "Bahasa Indonesia"], ["vi", "Tiếng Việt"]
  ];
  var UI = {
    en: { open: "Chat with the patient assistant", title: "Patient assistant", close: "Close chat",
      note: "Automated assistant: general information, not medical advice. In an emergency call your local emergency number.",
      language: "Language", placeholder: "Type your question", send: "Send", attach: "Send medical reports",
      log: "Conversation", attachFirst: "To send medical reports, first ask for a consultation (for example: \"I want a consultation\"). You will then get a secure upload link.",
      error: "The assistant cannot be reached right now. Please try again in a moment." },
    zh: { open: "与患者助手聊天", title: "患者助手", close: "关闭聊天",
      note: "自动助手：提供一般信息，不是医疗建议。紧急情况请拨打当地急救电话。",
      language: "语言", placeholder: "请输入您的问题", send: "发送", attach: "发送病历资料",
      log: "对话", attachFirst: "如需发送病历资料，请先申请会诊（例如：“我想申请会诊”），之后您会收到一个安全的上传链接。",
      error: "暂时无法连接助手，请稍后再试。" },
    ru: { open: "Чат с помощником для пациентов", title: "Помощник для пациентов", close: "Закрыть чат",
      note: "Автоматический помощник: общая информация, а не медицинская консультация. В экстренном случае звоните в местную службу скорой помощи.",
      language: "Язык", placeholder: "Введите ваш вопрос", send: "Отправить", attach: "Отправить медицинские документы",
      log: "Переписка", attachFirst: "Чтобы отправить медицинские документы, сначала оставьте заявку на консультацию (например: «Хочу консультацию»). После этого вы получите защищённую ссылку для загрузки.",
      error: "Сейчас помощник недоступен. Пожалуйста, попробуйте ещё раз чуть позже." },
    ar: { open: "تحدث مع مساعد المرضى", title: "مساعد المرضى", close: "إغلاق المحادثة",
      note: "مساعد آلي: معلومات عامة وليست نصيحة طبية. في حالة الطوارئ اتصل برقم الطوارئ المحلي.",
      language: "اللغة", placeholder: "اكتب سؤالك", send: "إرسال", attach: "إرسال التقارير الطبية",
      log: "المحادثة", attachFirst: "لإرسال التقارير الطبية، اطلب استشارة أولاً (مثلاً: \"أريد استشارة\")، وستحصل بعدها على رابط آمن لرفع الملفات.",
      error: "لا يمكن الوصول إلى المساعد الآن. يرجى المحاولة بعد قليل." },
    es: { open: "Chatear con el asistente para pacientes", title: "Asistente para pacientes", close: "Cerrar el chat",
      note: "Asistente automático: información general, no consejo médico. En una urgencia llame al número de emergencias local.",
      language: "Idioma", placeholder: "Escriba su pregunta", send: "Enviar", attach: "Enviar informes médicos",
      log: "Conversación", attachFirst: "Para enviar informes médicos, primero solicite una consulta (por ejemplo: \"Quiero una consulta\"). Después recibirá un enlace seguro para subirlos.",
      error: "No se puede contactar con el asistente en este momento. Inténtelo de nuevo en unos instantes." },
    fr: { open: "Discuter avec l'assistant patients", title: "Assistant patients", close: "Fermer la discussion",
      note: "Assistant automatique : informations générales, pas un avis médical. En cas d'urgence, appelez le numéro d'urgence local.",
      language: "Langue", placeholder: "Écrivez votre question", send: "Envoyer", attach: "Envoyer des documents médicaux",
      log: "Conversation", attachFirst: "Pour envoyer des documents médicaux, demandez d'abord une consultation (par exemple : « Je voudrais une consultation »). Vous recevrez ensuite un lien sécurisé pour les déposer.",
      error: "L'assistant est injoignable pour le moment. Veuillez réessayer dans un instant." },
    id: { open: "Chat dengan asisten pasien", title: "Asisten pasien", close: "Tutup chat",
      note: "Asisten otomatis: informasi umum, bukan nasihat medis. Dalam keadaan darurat, hubungi nomor darurat setempat.",
      language: "Bahasa", placeholder: "Tulis pertanyaan Anda", send: "Kirim", attach: "Kirim dokumen medis",
      log: "Percakapan", attachFirst: "Untuk mengirim dokumen medis, ajukan konsultasi terlebih dahulu (misalnya: \"Saya ingin konsultasi\"). Setelah itu Anda akan menerima tautan unggah yang aman.",
      error: "Asisten tidak dapat dihubungi saat ini. Silakan coba lagi sebentar lagi." },
    vi: { open: "Trò chuyện với trợ lý bệnh nhân", title: "Trợ lý bệnh nhân", close: "Đóng cửa sổ trò chuyện",
      note: "Trợ lý tự động: thông tin chung, không phải lời khuyên y tế. Trường hợp khẩn cấp, hãy gọi số cấp cứu tại địa phương.",
      language: "Ngôn ngữ", placeholder: "Nhập câu hỏi của bạn", send: "Gửi", attach: "Gửi hồ sơ y tế",
      log: "Cuộc trò chuyện", attachFirst: "Để gửi hồ sơ y tế, trước tiên hãy đăng ký tư vấn (ví dụ: \"Tôi muốn được tư vấn\"). Sau đó bạn sẽ nhận được một đường dẫn tải lên an toàn.",
      error: "Hiện không thể kết nối với trợ lý. Vui lòng thử lại sau ít phút." }
  };
  var URL_PATTERN = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}])/g;
  var UPLOAD_PATTERN = /https?:\/\/[^\s<>"']+\/upload\/[A-Za-z0-9_-]+/;
  var ARABIC_SCRIPT = /[\u0600-\u06FF\u0750-\u077F]/;

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function browserLanguage() {
    var code = (navigator.language || "en").slice(0, 2).toLowerCase();
    return UI[code] ? code : "en";
  }
  var state = load();
  state.sender = state.sender || ("web-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID()
    : String(Date.now()) + Math.random().toString(16).slice(2)));
  state.history = state.history || [];
  state.language = state.language || browserLanguage();
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: no memory */ }
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var css = el("link", { rel: "stylesheet", href: ASSETS + "widget.css" });
  document.head.appendChild(css);
  var root = el("div", { "class": "hc-chat", id: "hc-chat" });
  var launcher = el("button", { "class": "hc-launcher", type: "button", "aria-expanded": "false",
    "aria-controls": "hc-panel" });
  var panel = el("section", { "class": "hc-panel", id: "hc-panel", role: "dialog", hidden: "" });
  var header = el("header", { "class": "hc-header" });
  var title = el("h2", { "class": "hc-title", id: "hc-title" });
  var picker = el("select", { "class": "hc-language", id: "hc-language" });
  LANGUAGES.forEach(function (pair) { picker.appendChild(el("option", { value: pair[0], lang: pair[0] }, pair[1])); });
  var pickerLabel = el("label", { "class": "hc-visually-hidden", "for": "hc-language" });
  var closer = el("button", { "class": "hc-close", type: "button" }, "×");
  var note = el("p", { "class": "hc-note", id: "hc-note" });
  var log = el("div", { "class": "hc-log", role: "log", "aria-live": "polite", tabindex: "0" });
  var form = el("form", { "class": "hc-form" });
  var attach = el("button", { "class": "hc-attach", type: "button" }, "📎");
  var inputLabel = el("label", { "class": "hc-visually-hidden", "for": "hc-input" });
  var input = el("textarea", { "class": "hc-input", id: "hc-input", rows: "1", maxlength: "2000" });
  var send = el("button", { "class": "hc-send", type: "submit" });
  header.append(title, pickerLabel, picker, closer);
  form.append(attach, inputLabel, input, send);
  panel.append(header, note, log, form);
  root.append(launcher, panel);
  panel.setAttribute("aria-labelledby", "hc-title");
  panel.setAttribute("aria-describedby", "hc-note");

  function strings() { return UI[state.language] || UI.en; }

  function applyLanguage() {
    var s = strings();
    var dir = RTL[state.language] ? "rtl" : "ltr";
    panel.setAttribute("dir", dir);
    panel.setAttribute("lang", state.language);
    picker.value = state.language;
    title.textContent = s.title;
    note.textContent = s.note;
    pickerLabel.textContent = s.language;
    picker.setAttribute("aria-label", s.language);
    launcher.textContent = s.open;
    launcher.setAttribute("aria-label", s.open);
    closer.setAttribute("aria-label", s.close);
    log.setAttribute("aria-label", s.log);
    inputLabel.textContent = s.placeholder;
    input.setAttribute("placeholder", s.placeholder);
    send.textContent = s.send;
    attach.setAttribute("aria-label", s.attach);
    attach.setAttribute("title", s.attach);
  }

  function appendText(node, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (url, _, offset) {
      node.appendChild(document.createTextNode(text.slice(last, offset)));
      node.appendChild(el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, url));
      last = offset + url.length;
      return url;
    });
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function render(entry, live) {
    var bubble = el("div", { "class": "hc-message hc-" + entry.from });
    bubble.setAttribute("dir", ARABIC_SCRIPT.test(entry.text || "") ? "rtl" : "auto");
    if (entry.from === "user") { bubble.setAttribute("aria-label", "You"); }
    appendText(bubble, entry.text || "");
    log.appendChild(bubble);
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", { "class": "hc-buttons", role: "group" });
      entry.buttons.forEach(function (button) {
        var b = el("button", { type: "button", "class": "hc-button" }, button.title);
        b.disabled = !live;
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(group.querySelectorAll("button"), function (x) { x.disabled = true; });
          ask(button.payload, button.title);
        });
        group.appendChild(b);
      });
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }

  function remember(entry) {
    state.history.push(entry);
    state.history = state.history.slice(-200);
    var link = entry.text && entry.text.match(UPLOAD_PATTERN);
    if (entry.from === "bot" && link) { state.uploadUrl = link[0]; }
    save();
    Array.prototype.forEach.call(log.querySelectorAll(".hc-buttons button"), function (b) { b.disabled = true; });
    render(entry, true);
  }

  function ask(message, shown) {
    var metadata = { language_hint: state.language };
    if (state.languagePicked) { metadata.language_request = state.language; state.languagePicked = false; }
    remember({ from: "user", text: shown || message });
    send.disabled = true;
    fetch(SERVER + "/webhooks/rest/webhook", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: state.sender, message: message, metadata: metadata })
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (replies) {
      replies.forEach(function (reply) {
        if (reply.text || reply.buttons) { remember({ from: "bot", text: reply.text || "", buttons: reply.buttons || [] }); }
        if (reply.image) { remember({ from: "bot", text: reply.image }); }
      });
    }).catch(function () {
      render({ from: "notice", text: strings().error }, false);
    }).then(function () { send.disabled = false; });
  }

  function open(show) {
    panel.hidden = !show;
    launcher.setAttribute("aria-expanded", show ? "true" : "false");
    state.open = show;
    save();
    if (show) { input.focus(); } else { launcher.focus(); }
  }

  launcher.addEventListener("click", function () { open(panel.hidden); });
  closer.addEventListener("click", function () { open(false); });
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { open(false); } });
  picker.addEventListener("change", function () {
    state.language = picker.value;
    state.languagePicked = true;
    save();
    applyLanguage();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || send.disabled) { return; }
    input.value = "";
    ask(text);
  });
  attach.addEventListener("click", function () {
    if (state.uploadUrl) { window.open(state.uploadUrl, "_blank", "noopener"); }
    else { render({ from: "notice", text: strings().attachFirst }, false); }
  });

  applyLanguage();
  state.history.forEach(function (entry, i) { render(entry, i === state.history.length - 1); });
  (document.body || document.documentElement).appendChild(root);
  if (state.open) { panel.hidden = false; launcher.setAttribute("aria-expanded", "true"); }
})();
