// maillab in the browser: the same dashboard as the desktop in a WebGL 2 canvas (GLFW from Emscripten,
// ImGui's OpenGL3 backend with GLSL ES 3.00), a frame per animation frame of the browser, and the few things
// a page does differently: settings in localStorage, exports as downloads, touch, and a JavaScript hook for
// tests.
//
// The page (web/index.html) passes the lesson, layout and step as arguments: from the URL
// (?lesson=08-pop3-delete-vs-keep&layout=presenter&step=12), else from what this page last remembered.
#include "dashboard.hpp"
#include "export/export.hpp"
#include "ui_probe.hpp"
#include "util/paths.hpp"
#include "util/text.hpp"

#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <algorithm>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <cfloat>
#include <cstdlib>
#include <emscripten.h>
#include <imgui.h>
#include <imgui_internal.h> // MarkIniSettingsDirty
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

// [SECTION] the page's side (JavaScript)
// These bodies are JavaScript, which clang-format would break (it spaces arrows apart).
// clang-format off

// localStorage, not IDBFS: it is synchronous, so a setting written in one frame survives a reload in the
// next, and the few kilobytes of imgui.ini fit easily. Returns a malloc'd string, or null when unset.
EM_JS(char*, maillab_storage_get, (const char* key), {
    let value = null;
    try {
        value = window.localStorage.getItem(UTF8ToString(key));
    } catch (e) {
        // Storage can be switched off (private windows, file:// in some browsers): run without it.
    }
    if (value === null) return 0;
    const size = lengthBytesUTF8(value) + 1;
    const copy = _malloc(size);
    stringToUTF8(value, copy, size);
    return copy;
});

EM_JS(void, maillab_storage_set, (const char* key, const char* value), {
    try {
        window.localStorage.setItem(UTF8ToString(key), UTF8ToString(value));
    } catch (e) {
    }
});

// Where the lesson is, in localStorage and in the address bar, so that a reload (or a copied link) comes back
// to the same lesson and step. replaceState: stepping must not fill the browser's history.
EM_JS(void, maillab_remember_position, (const char* lesson, int step), {
    const name = UTF8ToString(lesson);
    try {
        window.localStorage.setItem("maillab.lesson", name);
        window.localStorage.setItem("maillab.step", String(step));
    } catch (e) {
    }
    const url = new URL(window.location.href);
    url.searchParams.set("lesson", name);
    url.searchParams.set("step", String(step));
    window.history.replaceState(null, "", url.toString());
});

// A file made in memory, handed to the browser as a download.
EM_JS(void, maillab_download, (const char* name, const char* data, size_t size, const char* mime), {
    const bytes = HEAPU8.slice(data, data + size);
    const blob = new Blob([bytes], {type: UTF8ToString(mime)});
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = UTF8ToString(name);
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
});

// Copy: Emscripten's GLFW has no clipboard (its glfwSetClipboardString does nothing). The system clipboard is
// written where the browser allows it (a secure context: https or localhost); paste arrives as a paste event
// (index.html), which the browser fires before ImGui's next frame sees Ctrl+V.
EM_JS(void, maillab_clipboard_write, (const char* text), {
    const value = UTF8ToString(text);
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(value).catch(() => {});
});

// A touch screen without a keyboard: when ImGui wants text (the console, a search field), the page offers a
// button that opens the on-screen keyboard (index.html; only a tap may focus a text field on phones).
EM_JS(void, maillab_offer_keyboard, (int offer), {
    if (typeof window.maillabOfferKeyboard === "function") window.maillabOfferKeyboard(offer !== 0);
});

EM_JS(int, maillab_page_width, (), { return window.innerWidth; });
EM_JS(int, maillab_page_height, (), { return window.innerHeight; });
EM_JS(double, maillab_pixel_ratio, (), { return window.devicePixelRatio || 1; });

// The canvas's own pixels, behind its size on the page (which CSS keeps at the whole window).
EM_JS(void, maillab_set_canvas_pixels, (int width, int height), {
    Module.canvas.width = width;
    Module.canvas.height = height;
});

// The first frame is drawn: the page is interactive (tests and bench/web_load.sh wait for this).
EM_JS(void, maillab_mark_ready, (), {
    if (typeof window.maillabReady === "function") window.maillabReady();
});

// clang-format on

namespace maillab::web {
namespace {

// [SECTION] the page's state

// A touch screen: a tap is a click, a drag scrolls the panel under the finger. The page turns touch events
// into these (Emscripten's GLFW would turn a drag into a mouse drag, which moves windows and selects text).
struct Touch {
    bool active = false; // the last pointer was a finger: keep its position, GLFW's cursor is stale
    ImVec2 pos;
    int tapPhase = 0; // 1: press this frame, 2: release this frame
    ImVec2 wheel;
    // The on-screen keyboard: a key (GLFW's number) pressed for one frame and released in the next, since
    // ImGui 1.86 samples which keys are down once a frame.
    int key = -1;
    bool keyDown = false;
    bool keyboardOffered = false;
};

struct Page {
    GLFWwindow* window = nullptr;
    std::unique_ptr<gui::Dashboard> dashboard;
    double last = 0;
    int width = 0, height = 0;
    Touch touch;
    // Device pixels per CSS pixel (2 on most laptops sold today, 1.25 to 3 elsewhere). ImGui lays out in CSS
    // pixels and draws into a canvas that many times larger, with fonts rasterised at that size: crisp text
    // where Emscripten's GLFW (3.1.6, no high-DPI support) would give a blurry, upscaled picture.
    float scale = 1.0f;
    std::pair<gui::Theme, bool> settingsShown{gui::Theme::Dark, false};
    std::string clipboard; // what was last copied here or pasted into the page
    std::string rememberedLesson;
    int rememberedStep = -1;
    long frames = 0;
    double awakeUntil = 0, lastDrawn = 0;
};

Page* g_page = nullptr; // the page lives as long as the tab: Emscripten never returns from main

// "08-pop3-delete-vs-keep", "08-pop3-delete-vs-keep.json" or a unique prefix ("08-pop3-delete") names a
// lesson in lessons/; empty when none or several match.
std::filesystem::path findLesson(const std::string& name)
{
    std::vector<std::filesystem::path> matches;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(util::lessonsDir(), ec)) {
        const std::filesystem::path& file = entry.path();
        if (file.extension() != ".json" || file.stem() == "lesson.schema" || name.empty()) continue;
        if (file.filename() == name || file.stem() == name) return file;
        if (file.stem().string().starts_with(name)) matches.push_back(file);
    }
    return matches.size() == 1 ? matches.front() : std::filesystem::path();
}

// Layouts are chosen by name in the URL: student, presenter or analyst (gui::layoutFromName); any other name
// is the analyst's view, every panel.
void applyLayout(gui::Dashboard& dashboard, const std::string& layout)
{
    dashboard.setLayout(gui::layoutFromName(layout).value_or(gui::Layout::Analyst));
}

void saveSettings(Page& page, bool now = false)
{
    // The desktop writes theme and presenter mode when the window closes; a tab just goes away, so a change
    // of either is a change of the settings ImGui saves a few seconds later (or at once when the page hides).
    auto shown = std::make_pair(page.dashboard->theme(), page.dashboard->presenter());
    if (shown != page.settingsShown) {
        page.settingsShown = shown;
        ImGui::MarkIniSettingsDirty();
    }
    ImGuiIO& io = ImGui::GetIO();
    if (!io.WantSaveIniSettings && !now) return;
    maillab_storage_set("maillab.ini", ImGui::SaveIniSettingsToMemory());
    io.WantSaveIniSettings = false;
}

void rememberPosition(Page& page)
{
    const gui::LessonPlayer& player = page.dashboard->player();
    std::string lesson = player.file().stem().string();
    int step = player.stepNumber();
    if (lesson.empty() || (lesson == page.rememberedLesson && step == page.rememberedStep)) return;
    page.rememberedLesson = lesson;
    page.rememberedStep = step;
    maillab_remember_position(lesson.c_str(), step);
}

// [SECTION] downloads

struct Download {
    const char* label;
    exporter::Format format;
    const char* extension;
    const char* mime;
};

constexpr Download kDownloads[] = {
    {"Transcript (text)", exporter::Format::Text, "txt", "text/plain"},
    {"Handout (Markdown)", exporter::Format::Markdown, "md", "text/markdown"},
    {"Handout (HTML, printable)", exporter::Format::Html, "html", "text/html"},
    {"Worksheet (questions, no answers)", exporter::Format::Worksheet, "html", "text/html"},
    {"Answer key (for the instructor)", exporter::Format::Key, "html", "text/html"},
    {"Every byte (JSON)", exporter::Format::Json, "json", "application/json"},
    {"Packet capture for Wireshark (pcapng, names and comments)", exporter::Format::Pcapng, "pcapng",
     "application/octet-stream"},
    {"Packet capture for Wireshark (pcap)", exporter::Format::Pcap, "pcap", "application/vnd.tcpdump.pcap"},
    {"TLS keys for Wireshark (key log)", exporter::Format::KeyLog, "keys", "text/plain"},
};

// Downloads one export of the lesson as it stands; false when there is nothing to export.
bool download(Page& page, const Download& what)
{
    const scenario::Simulation* simulation = page.dashboard->player().simulation();
    if (!simulation) return false;
    // One simulation in memory: the key log download belongs to the same run as the capture.
    std::string bytes = exporter::exportBytes(what.format, *simulation);
    if (bytes.empty()) return false;
    std::string stem = page.dashboard->player().file().stem().string();
    std::string name = (stem.empty() ? std::string("maillab") : stem) + "-step" +
                       std::to_string(page.dashboard->player().stepNumber()) + "." + what.extension;
    maillab_download(name.c_str(), bytes.data(), bytes.size(), what.mime);
    return true;
}

// Appended to the dashboard's menu bar (ImGui continues a menu bar begun earlier in the frame), so the
// dashboard itself needs nothing web-specific.
void drawDownloadMenu(Page& page)
{
    if (!ImGui::BeginMainMenuBar()) return;
    if (ImGui::BeginMenu("Download")) {
        const scenario::Simulation* simulation = page.dashboard->player().simulation();
        for (const Download& what : kDownloads) {
            bool enabled = simulation && (what.format != exporter::Format::KeyLog ||
                                          !exporter::exportKeyLog(*simulation).empty());
            if (ImGui::MenuItem(what.label, nullptr, false, enabled)) download(page, what);
        }
        ImGui::EndMenu();
    }
    ImGui::EndMainMenuBar();
}

// [SECTION] the frame

// High-DPI: GLFW reports the mouse in canvas pixels and a framebuffer the size of the window; ImGui wants CSS
// pixels and the real framebuffer scale.
void applyScale(const Page& page)
{
    ImGuiIO& io = ImGui::GetIO();
    io.DisplayFramebufferScale = ImVec2(page.scale, page.scale);
    if (io.MousePos.x != -FLT_MAX)
        io.MousePos = ImVec2(io.MousePos.x / page.scale, io.MousePos.y / page.scale);
}

// Fonts rasterised at the device's pixel size, drawn at 1/scale: the panels still measure the sizes they
// asked for. Before the atlas is built (the first frame builds it).
void scaleFonts(float scale)
{
    ImGuiIO& io = ImGui::GetIO();
    for (ImFontConfig& config : io.Fonts->ConfigData)
        config.SizePixels *= scale;
    io.FontGlobalScale = 1.0f / scale;
}

void useClipboard(Page& page)
{
    ImGuiIO& io = ImGui::GetIO();
    io.ClipboardUserData = &page;
    io.SetClipboardTextFn = [](void* user, const char* text) {
        static_cast<Page*>(user)->clipboard = text;
        maillab_clipboard_write(text);
    };
    io.GetClipboardTextFn = [](void* user) -> const char* {
        return static_cast<Page*>(user)->clipboard.c_str();
    };
}

void applyKeys(Page& page)
{
    Touch& touch = page.touch;
    if (touch.key >= 0) {
        ImGui_ImplGlfw_KeyCallback(page.window, touch.key, 0, touch.keyDown ? GLFW_RELEASE : GLFW_PRESS, 0);
        if (touch.keyDown) touch.key = -1;
        touch.keyDown = !touch.keyDown;
    }
    bool offer = touch.active && ImGui::GetIO().WantTextInput;
    if (offer != touch.keyboardOffered) {
        touch.keyboardOffered = offer;
        maillab_offer_keyboard(offer);
    }
}

void applyTouch(Touch& touch)
{
    if (!touch.active) return;
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = touch.pos;
    if (touch.tapPhase == 1) {
        io.MouseDown[0] = true;
        touch.tapPhase = 2;
    } else if (touch.tapPhase == 2) {
        io.MouseDown[0] = false;
        touch.tapPhase = 0;
    }
    io.MouseWheel += touch.wheel.y;
    io.MouseWheelH += touch.wheel.x;
    touch.wheel = ImVec2(0, 0);
}

// Like the desktop's glfwWaitEventsTimeout: a page nobody touches and no lesson plays in draws a few frames a
// second, not sixty, so a classroom of laptops on battery does not spin to show a still picture.
constexpr double kAwakeSeconds = 1.0;      // full speed this long after the last input
constexpr double kIdleFrameSeconds = 0.25; // and then a frame this often (clocks, hover that follows)

void wake()
{
    if (g_page) g_page->awakeUntil = glfwGetTime() + kAwakeSeconds;
}

// Input wakes the page. ImGui's backend keeps these and calls them from its own (it chains what was there).
void watchInput(GLFWwindow* window)
{
    glfwSetCursorPosCallback(window, [](GLFWwindow*, double, double) { wake(); });
    glfwSetMouseButtonCallback(window, [](GLFWwindow*, int, int, int) { wake(); });
    glfwSetScrollCallback(window, [](GLFWwindow*, double, double) { wake(); });
    glfwSetKeyCallback(window, [](GLFWwindow*, int, int, int, int) { wake(); });
    glfwSetCharCallback(window, [](GLFWwindow*, unsigned) { wake(); });
}

void frame()
{
    Page& page = *g_page;
    double now = glfwGetTime();
    bool busy = page.frames < 2 || now < page.awakeUntil || page.dashboard->player().running() ||
                page.dashboard->player().playingLessonStep();
    if (!busy && now - page.lastDrawn < kIdleFrameSeconds) return;
    page.lastDrawn = now;
    // The canvas fills the page; follow the browser window (and a phone turned sideways).
    int width = maillab_page_width(), height = maillab_page_height();
    if (width != page.width || height != page.height) {
        page.width = width;
        page.height = height;
        glfwSetWindowSize(page.window, width, height);
        maillab_set_canvas_pixels(static_cast<int>(width * page.scale),
                                  static_cast<int>(height * page.scale));
        wake();
    }
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    applyScale(page);
    applyTouch(page.touch);
    applyKeys(page);
    ImGui::NewFrame();
    page.dashboard->frame(now - page.last);
    drawDownloadMenu(page);
    ImGui::Render();
    page.last = now;

    glViewport(0, 0, static_cast<int>(page.width * page.scale), static_cast<int>(page.height * page.scale));
    ImVec4 background = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    glClearColor(background.x * 0.8f, background.y * 0.8f, background.z * 0.8f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    saveSettings(page);
    rememberPosition(page);
    if (++page.frames == 2) maillab_mark_ready(); // the second: ImGui sizes windows from the first
}

} // namespace
} // namespace maillab::web

// [SECTION] the JavaScript hook (window.maillab in web/index.html wraps these)

using maillab::web::g_page;

extern "C" {

// The facts the headless panel tests assert, as JSON: lesson, step, the server's mailboxes with their
// message counts, each device's store.
EMSCRIPTEN_KEEPALIVE const char* maillab_state()
{
    static std::string json;
    nlohmann::ordered_json state;
    maillab::gui::LessonPlayer& player = g_page->dashboard->player();
    state["lesson"] = player.file().stem().string();
    state["title"] = player.loaded() ? player.scenario().title : "";
    state["step"] = player.stepNumber();
    state["totalSteps"] = player.totalSteps();
    state["finished"] = player.finished();
    state["presenter"] = g_page->dashboard->presenter();
    state["frames"] = g_page->frames;
    state["loadError"] = player.loadError();
    nlohmann::ordered_json server = nlohmann::ordered_json::object(),
                           devices = nlohmann::ordered_json::array();
    if (const maillab::scenario::Simulation* simulation = player.simulation()) {
        const auto& entries = simulation->transcript().entries();
        state["transcriptEntries"] = entries.size();
        state["lastEntry"] = entries.empty() ? std::string() : entries.back().bytes.substr(0, 200);
        // TLS records on the wire: OpenSSL (built for wasm) did real handshakes in the page.
        state["tlsRecords"] = std::count_if(entries.begin(), entries.end(), [](const auto& e) {
            return e.kind == maillab::wire::TranscriptEntry::Kind::TlsRecord;
        });
        const maillab::store::Store& store = simulation->store();
        for (const std::string& user : store.users()) {
            nlohmann::ordered_json mailboxes = nlohmann::ordered_json::object();
            for (const auto& [name, mailbox] : store.account(user)->mailboxes)
                mailboxes[name] = mailbox.messages.size();
            server[user] = mailboxes;
        }
        for (const auto& device : simulation->devices()) {
            size_t complete = 0;
            for (const auto& message : device->local.messages())
                complete += message.complete ? 1 : 0;
            devices.push_back({{"name", device->spec.name},
                               {"messages", device->local.messages().size()},
                               {"complete", complete},
                               {"connected", device->session != nullptr}});
        }
    }
    state["server"] = server;
    state["devices"] = devices;
    // Entries may hold TLS records or 8-bit mail: invalid UTF-8 becomes U+FFFD rather than an exception.
    json = state.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return json.c_str();
}

// Where a named widget ("Step", "Back", "Lesson chooser"...) was drawn in the last frame, as JSON {x, y} in
// page pixels, or null: a test taps or clicks it as a student would.
EMSCRIPTEN_KEEPALIVE const char* maillab_widget(const char* name)
{
    static std::string json;
    ImVec2 centre;
    json = maillab::gui::probe::find(name, centre) ? nlohmann::json({{"x", centre.x}, {"y", centre.y}}).dump()
                                                   : std::string("null");
    return json.c_str();
}

// Text the user pasted into the page (Ctrl+V): ImGui reads it as the clipboard in the next frame.
EMSCRIPTEN_KEEPALIVE void maillab_paste(const char* text)
{
    g_page->clipboard = text;
    maillab::web::wake();
}

// The page is hidden or closing: write the settings now, not in a few seconds.
EMSCRIPTEN_KEEPALIVE void maillab_save_settings()
{
    maillab::web::saveSettings(*g_page, true);
}

EMSCRIPTEN_KEEPALIVE int maillab_step()
{
    maillab::web::wake();
    return g_page->dashboard->player().step() ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE void maillab_back()
{
    maillab::web::wake();
    g_page->dashboard->player().back();
}

EMSCRIPTEN_KEEPALIVE void maillab_go_to(int step)
{
    maillab::web::wake();
    g_page->dashboard->player().replayTo(step);
}

// A lesson by name (see findLesson); 0 when there is no such lesson or it does not load.
EMSCRIPTEN_KEEPALIVE int maillab_load(const char* name)
{
    maillab::web::wake();
    std::filesystem::path file = maillab::web::findLesson(name);
    return !file.empty() && g_page->dashboard->player().load(file) ? 1 : 0;
}

EMSCRIPTEN_KEEPALIVE void maillab_set_layout(const char* layout)
{
    maillab::web::wake();
    maillab::web::applyLayout(*g_page->dashboard, layout);
}

// "txt", "md", "html", "json", "pcap", "keylog": downloads that export; 0 when there is nothing to export.
EMSCRIPTEN_KEEPALIVE int maillab_export(const char* format)
{
    auto wanted = maillab::exporter::formatFromName(format);
    for (const auto& what : maillab::web::kDownloads)
        if (wanted && what.format == *wanted) return maillab::web::download(*g_page, what) ? 1 : 0;
    return 0;
}

// From the on-screen keyboard (index.html): text typed, or a key (1 Backspace, 2 Enter, 3 Tab, 4 Escape).
EMSCRIPTEN_KEEPALIVE void maillab_type(const char* text, int key)
{
    maillab::web::wake();
    if (text && *text) ImGui::GetIO().AddInputCharactersUTF8(text);
    static constexpr int kKeys[] = {-1, GLFW_KEY_BACKSPACE, GLFW_KEY_ENTER, GLFW_KEY_TAB, GLFW_KEY_ESCAPE};
    if (key > 0 && key < 5) {
        g_page->touch.key = kKeys[key];
        g_page->touch.keyDown = false;
    }
}

// From the page's touch handlers: kind 0 a finger at (x, y), 1 a tap there, 2 a scroll by (x, y) wheel
// notches, 3 a real mouse moved (GLFW's cursor is right again).
EMSCRIPTEN_KEEPALIVE void maillab_touch(int kind, float x, float y)
{
    maillab::web::wake();
    maillab::web::Touch& touch = g_page->touch;
    if (kind == 3) {
        touch.active = false;
        return;
    }
    touch.active = true;
    if (kind == 2) {
        touch.wheel.x += x;
        touch.wheel.y += y;
        return;
    }
    touch.pos = ImVec2(x, y);
    if (kind == 1) touch.tapPhase = 1;
}

} // extern "C"

// [SECTION] start

int main(int argc, char** argv)
{
    using namespace maillab;
    std::string lesson, layout;
    int step = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string option = argv[i], value = argv[i + 1];
        if (option == "--lesson") lesson = value;
        if (option == "--layout") layout = value;
        if (option == "--step") step = static_cast<int>(util::parseNumber(value).value_or(0));
    }

    if (!glfwInit()) return 1;
    glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3); // WebGL 2
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
    auto* page = new web::Page;
    web::g_page = page;
    // Up to 3: beyond, the font atlas grows past what small GPUs take, for no visible gain.
    page->scale = static_cast<float>(std::clamp(maillab_pixel_ratio(), 1.0, 3.0));
    page->width = maillab_page_width();
    page->height = maillab_page_height();
    page->window = glfwCreateWindow(page->width, page->height, "maillab", nullptr, nullptr);
    if (!page->window) return 1;
    maillab_set_canvas_pixels(static_cast<int>(page->width * page->scale),
                              static_cast<int>(page->height * page->scale));
    glfwMakeContextCurrent(page->window);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    web::watchInput(page->window); // before the backend, which chains these
    ImGui_ImplGlfw_InitForOpenGL(page->window, true);
    ImGui_ImplOpenGL3_Init("#version 300 es");
    web::useClipboard(*page);             // after the backend, which installs GLFW's clipboard
    ImGui::GetIO().IniFilename = nullptr; // settings go to localStorage (saveSettings)

    gui::DashboardOptions options;
    options.lesson = web::findLesson(lesson); // empty: the one the settings name, else the default
    page->dashboard = std::make_unique<gui::Dashboard>(options);
    gui::Dashboard& dashboard = *page->dashboard;
    // Settings (theme, window layout, presenter mode, last lesson), then the layout the URL asks for.
    dashboard.registerSettings();
    if (char* ini = maillab_storage_get("maillab.ini")) {
        ImGui::LoadIniSettingsFromMemory(ini);
        std::free(ini);
    }
    if (!layout.empty()) web::applyLayout(dashboard, layout);
    if (step > 0) dashboard.player().replayTo(step);
    dashboard.loadFonts();
    web::scaleFonts(page->scale);

    page->settingsShown = {dashboard.theme(), dashboard.presenter()};
    page->last = glfwGetTime();
    // The browser calls frame() once per animation frame; main never returns (the page is the program).
    emscripten_set_main_loop(web::frame, 0, true);
    return 0;
}
