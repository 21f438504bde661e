#include "dashboard.hpp"

#include "panels.hpp"
#include "scene_model.hpp"
#include "ui_probe.hpp"
#include "util/paths.hpp"

#include <algorithm>
#include <filesystem>
#include <imgui_internal.h>
#include <utility>

namespace maillab::gui {
namespace {

Palette darkPalette()
{
    Palette p;
    p.client = ImVec4(0.45f, 0.75f, 1.00f, 1.0f);
    p.server = ImVec4(0.55f, 0.90f, 0.55f, 1.0f);
    p.note = ImVec4(0.90f, 0.78f, 0.45f, 1.0f);
    p.tls = ImVec4(0.82f, 0.60f, 0.98f, 1.0f);
    p.good = ImVec4(0.45f, 0.85f, 0.45f, 1.0f);
    p.bad = ImVec4(1.00f, 0.45f, 0.45f, 1.0f);
    p.changed = ImVec4(0.95f, 0.80f, 0.20f, 0.28f);
    p.deleted = ImVec4(1.00f, 0.45f, 0.45f, 1.0f);
    p.dim = ImVec4(0.62f, 0.62f, 0.66f, 1.0f);
    p.stateLit = ImVec4(0.20f, 0.55f, 0.95f, 1.0f);
    p.stateIdle = ImVec4(0.25f, 0.25f, 0.30f, 1.0f);
    return p;
}

Palette lightPalette()
{
    Palette p;
    p.client = ImVec4(0.05f, 0.30f, 0.75f, 1.0f);
    p.server = ImVec4(0.05f, 0.48f, 0.12f, 1.0f);
    p.note = ImVec4(0.55f, 0.38f, 0.00f, 1.0f);
    p.tls = ImVec4(0.45f, 0.15f, 0.65f, 1.0f);
    p.good = ImVec4(0.05f, 0.50f, 0.10f, 1.0f);
    p.bad = ImVec4(0.75f, 0.08f, 0.08f, 1.0f);
    p.changed = ImVec4(1.00f, 0.82f, 0.15f, 0.45f);
    p.deleted = ImVec4(0.75f, 0.08f, 0.08f, 1.0f);
    p.dim = ImVec4(0.38f, 0.38f, 0.42f, 1.0f);
    p.stateLit = ImVec4(0.15f, 0.45f, 0.90f, 1.0f);
    p.stateIdle = ImVec4(0.82f, 0.82f, 0.86f, 1.0f);
    return p;
}

std::vector<std::filesystem::path> findLessons()
{
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(util::lessonsDir(), ec))
        if (entry.path().extension() == ".json" && entry.path().filename() != "lesson.schema.json")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

std::filesystem::path fontFile(const char* name)
{
    // Debian's fonts-dejavu-core first; a copy in assets/fonts for systems without it.
    for (std::filesystem::path dir :
         {std::filesystem::path("/usr/share/fonts/truetype/dejavu"), util::assetsDir() / "fonts"}) {
        std::error_code ec;
        if (std::filesystem::exists(dir / name, ec)) return dir / name;
    }
    return {};
}

} // namespace

std::optional<Layout> layoutFromName(std::string_view name)
{
    if (name == "student") return Layout::Student;
    if (name == "presenter") return Layout::Presenter;
    if (name == "analyst") return Layout::Analyst;
    return std::nullopt;
}

const char* layoutName(Layout layout)
{
    switch (layout) {
    case Layout::Student: return "student";
    case Layout::Presenter: return "presenter";
    case Layout::Analyst: return "analyst";
    }
    return "analyst";
}

Dashboard::Dashboard(DashboardOptions options) : m_options(std::move(options))
{
    m_panels.push_back(makeLessonPanel(*this));
    m_panels.push_back(makeEventsPanel(*this));
    m_panels.push_back(makeTranscriptPanel());
    m_panels.push_back(makeScenePanel());
    m_panels.push_back(makeMailboxPanel());
    m_panels.push_back(makeDevicesPanel());
    m_panels.push_back(makeSequencePanel());
    m_panels.push_back(makeStatePanel());
    m_panels.push_back(makeBreakpointsPanel());
    m_panels.push_back(makeConsolePanel());
    m_panels.push_back(makeComparePanel());
    m_panels.push_back(makeLivePanel(*this));
    if (m_options.presenter) {
        m_options.layout = Layout::Presenter;
        m_options.layoutGiven = true;
    }
    applyLayout();
    m_lessonFiles = findLessons();
    for (const auto& file : m_lessonFiles) {
        auto loaded = scenario::loadScenario(file);
        auto* lesson = std::get_if<scenario::Scenario>(&loaded);
        m_lessonTitles[file.filename()] =
            lesson && !lesson->title.empty() ? lesson->title : file.stem().string();
    }
    std::filesystem::path lesson = m_options.lesson;
    if (lesson.empty()) {
        for (const auto& file : m_lessonFiles)
            if (file.filename() == "14-pop3-delete-mode.json") lesson = file;
        if (lesson.empty() && !m_lessonFiles.empty()) lesson = m_lessonFiles.front();
    }
    if (!lesson.empty()) m_player.load(lesson);
    m_context.palette = m_options.theme == Theme::Dark ? darkPalette() : lightPalette();
    m_context.animationAt = m_options.animationAt;
}

Dashboard::~Dashboard()
{
    // ImGui saves imgui.ini when its context ends, which may be after this dashboard is gone: save now,
    // while the settings handler can still read it, and take the handler out.
    ImGuiContext* context = ImGui::GetCurrentContext();
    if (!m_settingsRegistered || !context) return;
    if (ImGui::GetIO().IniFilename) ImGui::SaveIniSettingsToDisk(ImGui::GetIO().IniFilename);
    ImGui::GetIO().IniFilename = nullptr;
    auto& handlers = context->SettingsHandlers;
    for (int i = 0; i < handlers.Size; ++i)
        if (handlers[i].UserData == this) {
            handlers.erase(handlers.Data + i);
            break;
        }
}

std::string Dashboard::lessonTitle(const std::filesystem::path& file) const
{
    // By file name: the same lesson may be named by a relative path on the command line.
    auto it = m_lessonTitles.find(file.filename());
    return it != m_lessonTitles.end() ? it->second : file.stem().string();
}

Panel* Dashboard::panel(std::string_view id)
{
    for (auto& panel : m_panels)
        if (id == panel->id()) return panel.get();
    return nullptr;
}

void Dashboard::watchServer(store::Store& store, wire::Transcript& transcript, net::Server* server)
{
    m_live.attach(store, transcript, server);
    m_watchingExternal = true;
    m_liveMode = true;
    if (Panel* live = panel("live")) live->open = true;
}

void Dashboard::loadFonts()
{
    ImGuiIO& io = ImGui::GetIO();
    std::filesystem::path sans = fontFile("DejaVuSans.ttf"), mono = fontFile("DejaVuSansMono.ttf");
    // Latin-1 and a few arrows and symbols the panels draw.
    static const ImWchar ranges[] = {0x0020, 0x00FF, 0x2013, 0x2026, 0x2190, 0x21FF, 0x2500, 0x25FF, 0};
    auto add = [&](const std::filesystem::path& file, float size) -> ImFont* {
        if (file.empty()) return io.Fonts->AddFontDefault();
        ImFontConfig config;
        config.OversampleH = 2;
        return io.Fonts->AddFontFromFileTTF(file.c_str(), size, &config, ranges);
    };
    m_normalFonts = {add(sans, 16.0f), add(mono, 15.0f), add(sans, 21.0f)};
    // Large enough for the back row, small enough that a 1280x720 projector still shows whole lines.
    m_presenterFonts = {add(sans, 22.0f), add(mono, 20.0f), add(sans, 28.0f)};
    m_styleDirty = true;
}

void Dashboard::setPresenter(bool on)
{
    if (on == presenter()) return;
    if (on) m_layoutBeforePresenter = m_options.layout;
    setLayout(on ? Layout::Presenter : m_layoutBeforePresenter);
}

void Dashboard::setLayout(Layout layout)
{
    if (layout == m_options.layout) return;
    m_options.layout = layout;
    applyLayout();
}

void Dashboard::applyLayout()
{
    m_options.presenter = m_options.layout == Layout::Presenter;
    m_lessonHeight = 0; // other fonts, other widths: the lesson panel measures itself again
    m_styleDirty = true;
    m_resetLayout = true;
    for (auto& panel : m_panels) {
        if (!m_options.onlyPanel.empty())
            panel->open = panel->id() == m_options.onlyPanel;
        else
            panel->open = layoutRect(m_options.layout, *panel).has_value();
    }
}

void Dashboard::fitLessonPanel(float height)
{
    // At the end the summary ("What this lesson showed", where the mail is now) gets the most room the
    // layout allows; the panels beside the lesson have nothing new to say then.
    if (m_player.finished() != m_lessonPlacedFinished) {
        m_lessonPlacedFinished = m_player.finished();
        m_lessonHeightChanged = true;
    }
    if (m_player.file() != m_lessonHeightFor) {
        m_lessonHeightFor = m_player.file();
        m_lessonHeight = 0;
    }
    if (height <= m_lessonHeight + 0.5f) return;
    m_lessonHeight = height;
    m_lessonHeightChanged = true;
}

float Dashboard::lessonShare(float share, float most) const
{
    if (m_areaHeight <= 0) return share;
    if (m_lessonPlacedFinished) return most;
    return std::clamp(m_lessonHeight / m_areaHeight, share, most);
}

std::optional<ImVec4> Dashboard::layoutRect(Layout layout, const Panel& panel) const
{
    const std::string_view id = panel.id();
    switch (layout) {
    case Layout::Student: {
        // The picture, the wire beneath it, the lesson with its questions beside both.
        const float lesson = lessonShare(0.66f, 0.80f);
        if (id == "scene") return ImVec4(0.0f, 0.0f, 0.64f, 0.60f);
        if (id == "transcript") return ImVec4(0.0f, 0.60f, 0.64f, 0.40f);
        if (id == "lesson") return ImVec4(0.64f, 0.0f, 0.36f, lesson);
        if (id == "events") return ImVec4(0.64f, lesson, 0.36f, 1.0f - lesson);
        return std::nullopt;
    }
    case Layout::Presenter: {
        // For the back of the room: the picture large, the narration and the question under it. The
        // question is whole even when the picture gives up some room for it.
        const float lesson = lessonShare(0.36f, 0.52f);
        if (id == "scene") return ImVec4(0.0f, 0.0f, 1.0f, 1.0f - lesson);
        if (id == "lesson") return ImVec4(0.0f, 1.0f - lesson, 1.0f, lesson);
        return std::nullopt;
    }
    case Layout::Analyst: {
        // Every protocol panel, as the dashboard was before the scene; the scene (View) floats over them.
        if (id == "console" || id == "compare" || id == "live" || id == "scene" || id == "events")
            return std::nullopt;
        // The lesson's column: the lesson on top, the server's mailboxes under it.
        const ImVec4 lessonRect = panel.defaultRect();
        const float lesson = lessonShare(0.36f, 0.60f);
        if (id == "lesson") return ImVec4(0.0f, 0.0f, 0.30f, lesson);
        if (id == "mailboxes") return ImVec4(0.0f, lesson, 0.30f, 1.0f - lesson);
        return lessonRect;
    }
    }
    return std::nullopt;
}

void Dashboard::showTranscriptEntry(size_t entry)
{
    if (Panel* transcript = panel("transcript")) transcript->open = true;
    m_context.showEntry = entry;
}

void Dashboard::setTheme(Theme theme)
{
    m_options.theme = theme;
    m_styleDirty = true;
}

void Dashboard::applyStyle()
{
    ImGuiStyle style;
    if (m_options.theme == Theme::Dark)
        ImGui::StyleColorsDark(&style);
    else
        ImGui::StyleColorsLight(&style);
    style.WindowRounding = 4.0f;
    style.FrameRounding = 3.0f;
    style.GrabRounding = 3.0f;
    style.WindowPadding = ImVec2(8, 8);
    style.ItemSpacing = ImVec2(8, 5);
    // ImGui's yellow progress bar leaves its white label unreadable.
    style.Colors[ImGuiCol_PlotHistogram] = m_options.theme == Theme::Dark ? ImVec4(0.22f, 0.45f, 0.78f, 1.0f)
                                                                          : ImVec4(0.55f, 0.72f, 0.95f, 1.0f);
    // Opaque windows: a floating panel (Compare, Console) over others must not show their lines through it.
    for (ImGuiCol col : {ImGuiCol_WindowBg, ImGuiCol_ChildBg, ImGuiCol_PopupBg})
        if (style.Colors[col].w > 0.0f) style.Colors[col].w = 1.0f;
    if (presenter()) style.ScaleAllSizes(1.5f);
    ImGui::GetStyle() = style;
    m_context.palette = m_options.theme == Theme::Dark ? darkPalette() : lightPalette();
    const Fonts& fonts = presenter() ? m_presenterFonts : m_normalFonts;
    m_context.fonts = fonts;
    ImGui::GetIO().FontDefault = fonts.ui;
    m_context.presenter = presenter();
    m_context.layout = m_options.layout;
    m_styleDirty = false;
}

void Dashboard::refreshContext()
{
    Context& c = m_context;
    c.player = nullptr;
    c.transcript = nullptr;
    c.store = nullptr;
    c.devices.clear();
    c.sessions.clear();
    c.changes = nullptr;
    c.actor.clear();
    if (m_liveMode) {
        c.transcript = m_live.transcript();
        c.store = m_live.store();
        c.sessions = m_live.sessions();
        if (c.transcript) c.actor = scene::actorOf(*c.transcript);
        return;
    }
    c.player = &m_player;
    scenario::Simulation* sim = m_player.simulation();
    if (!sim) return;
    c.transcript = &sim->transcript();
    c.store = &sim->store();
    c.changes = &m_player.changes();
    for (auto& device : sim->devices()) {
        c.devices.push_back(device.get());
        if (device->session)
            c.sessions.push_back(
                {device->sessionId, device->spec.name, device->spec.protocol, device->session.get()});
    }
    c.actor = scene::actorOf(*c.transcript);
}

void Dashboard::registerSettings()
{
    ImGuiSettingsHandler handler;
    handler.TypeName = "Maillab";
    handler.TypeHash = ImHashStr("Maillab");
    handler.UserData = this;
    handler.ReadOpenFn = [](ImGuiContext*, ImGuiSettingsHandler*, const char* name) -> void* {
        return std::string_view(name) == "Settings" ? reinterpret_cast<void*>(1) : nullptr;
    };
    handler.ReadLineFn = [](ImGuiContext*, ImGuiSettingsHandler* h, void*, const char* line) {
        auto* self = static_cast<Dashboard*>(h->UserData);
        std::string_view text(line);
        if (text == "Theme=light" && !self->m_options.themeGiven) self->setTheme(Theme::Light);
        if (text == "Theme=dark" && !self->m_options.themeGiven) self->setTheme(Theme::Dark);
        // Older settings said only whether presenter mode was on.
        if (text == "Presenter=1" && !self->m_options.layoutGiven) self->setLayout(Layout::Presenter);
        if (text.starts_with("Layout="))
            if (std::optional<Layout> saved = layoutFromName(text.substr(7))) {
                if (!self->m_options.layoutGiven) self->setLayout(*saved);
                // The windows' places saved beside it belong to the saved layout: kept when that is the one
                // shown, else the layout's own places.
                self->m_resetLayout = *saved != self->m_options.layout;
            }
        if (text.starts_with("Lesson=") && self->m_options.lesson.empty()) {
            std::filesystem::path lesson(text.substr(7));
            std::error_code ec;
            if (std::filesystem::exists(lesson, ec) && lesson != self->m_player.file())
                self->m_player.load(lesson);
        }
    };
    handler.WriteAllFn = [](ImGuiContext*, ImGuiSettingsHandler* h, ImGuiTextBuffer* out) {
        auto* self = static_cast<Dashboard*>(h->UserData);
        out->appendf("[Maillab][Settings]\nTheme=%s\nLayout=%s\n",
                     self->m_options.theme == Theme::Light ? "light" : "dark",
                     layoutName(self->m_options.layout));
        if (!self->m_player.file().empty()) out->appendf("Lesson=%s\n", self->m_player.file().c_str());
        out->append("\n");
    };
    ImGui::GetCurrentContext()->SettingsHandlers.push_back(handler);
    m_settingsRegistered = true;
}

void Dashboard::handleShortcuts()
{
    const ImGuiIO& io = ImGui::GetIO();
    if (m_presenterKey >= 0 && ImGui::IsKeyPressed(m_presenterKey, false)) setPresenter(!presenter());
    if (io.WantTextInput || m_liveMode || !m_player.loaded()) return;
    // Arrow keys and space, like a slide show: what an instructor reaches for on a projector. Right plays the
    // next lesson step, Shift+Right only the next exchange.
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow)) && !m_player.finished()) {
        if (io.KeyShift)
            m_player.step();
        else
            m_player.playLessonStep();
    }
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow)) && m_player.stepNumber() > 0)
        m_player.back();
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false))
        m_player.setRunning(!m_player.running());
}

void Dashboard::frame(double seconds)
{
    if (m_styleDirty) applyStyle();
    handleShortcuts();
    // The widget rectangles are this frame's; names of rows and sessions long gone must not pile up.
    probe::clear();
    m_player.tick(seconds);
    m_live.poll();
    if (m_options.onlyPanel.empty()) drawMenuBar();
    // What the lesson panel asked for in the frame before (it measures itself while it is drawn).
    m_placeLessonColumn = std::exchange(m_lessonHeightChanged, false);
    drawPanels();
    m_resetLayout = false;
}

void Dashboard::drawMenuBar()
{
    if (!ImGui::BeginMainMenuBar()) return;
    if (ImGui::BeginMenu("Lesson")) {
        for (const auto& file : m_lessonFiles)
            if (ImGui::MenuItem(lessonTitle(file).c_str(), nullptr,
                                file.filename() == m_player.file().filename())) {
                m_liveMode = false;
                m_player.load(file);
            }
        ImGui::Separator();
        // The hand-in form is at the end of the lesson, under its summary.
        if (ImGui::MenuItem("Hand in...", nullptr, false, m_player.loaded() && !m_liveMode)) {
            m_player.seek(m_player.totalSteps());
            if (Panel* lessonPanel = panel("lesson")) lessonPanel->open = true;
        }
        if (ImGui::MenuItem("Quit", "Ctrl+Q")) m_quit = true;
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("View")) {
        for (auto& panel : m_panels)
            ImGui::MenuItem(panel->title(), nullptr, &panel->open);
        ImGui::Separator();
        ImGui::TextColored(m_context.palette.dim, "Layout");
        if (ImGui::MenuItem("Student: scene, lesson, transcript", nullptr,
                            m_options.layout == Layout::Student))
            setLayout(Layout::Student);
        if (ImGui::MenuItem("Presenter: scene large, for a projector", "F5", presenter()))
            setPresenter(!presenter());
        if (ImGui::MenuItem("Analyst: every panel", nullptr, m_options.layout == Layout::Analyst))
            setLayout(Layout::Analyst);
        if (ImGui::MenuItem("Light theme", nullptr, m_options.theme == Theme::Light))
            setTheme(m_options.theme == Theme::Light ? Theme::Dark : Theme::Light);
        if (ImGui::MenuItem("Reset window layout")) m_resetLayout = true;
        ImGui::EndMenu();
    }
    if (ImGui::BeginMenu("Help")) {
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
        ImGui::TextUnformatted(
            "maillab runs a mail server and mail programs (the devices) inside this window. They speak real "
            "POP3 (RFC 1939) and IMAP (RFC 3501), and every byte they exchange is shown.\n\n"
            "Scene: the devices and the server as pictures; what each step sends travels along the wire (an "
            "envelope: the whole message, a postcard: only its headers, a torn corner: one part). Hover an "
            "envelope for its subject.\n"
            "View > Layout: Student (scene, lesson, transcript), Presenter (F5: the scene large, for a "
            "projector), Analyst (every protocol panel).\n\n"
            "Lesson: Step runs one exchange (a command and its whole reply); Run plays them at the chosen "
            "speed; Back goes one step back; questions appear before the step that answers them.\n"
            "Wire transcript: what the devices (C:) and the server (S:) said. Hover a command to learn what "
            "it "
            "does.\n"
            "Server mailboxes: the server's copy of the mail. Devices: what each device stored itself.\n"
            "Sequence diagram: who talked to whom, in order. Session state: why a command is refused in one "
            "state and accepted in another.\n"
            "Breakpoints: Run stops before a chosen command. Console: type POP3 or IMAP yourself.\n"
            "Compare: the same mailbox in POP3 delete mode, POP3 keep mode and IMAP, side by side.\n"
            "Live: real mail programs on this machine talk to the same server.\n\n"
            "Keys: Right arrow = Step, Left arrow = Back, Space = Run/Pause, F5 = presenter mode.");
        ImGui::PopTextWrapPos();
        ImGui::EndMenu();
    }
    ImGui::Separator();
    if (m_liveMode) {
        ImGui::TextColored(m_context.palette.good, "LIVE: real clients on this machine");
    } else if (m_player.loaded()) {
        ImGui::TextUnformatted(m_player.scenario().title.c_str());
    }
    ImGui::EndMainMenuBar();
}

void Dashboard::drawPanels()
{
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    for (auto& panel : m_panels) {
        if (!panel->open) continue;
        ImGuiWindowFlags flags = 0;
        if (!m_options.onlyPanel.empty()) {
            ImGui::SetNextWindowPos(viewport->WorkPos, ImGuiCond_Always);
            ImGui::SetNextWindowSize(viewport->WorkSize, ImGuiCond_Always);
            flags |= ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse;
        } else {
            // The menu bar's height: the viewport's work area only shrinks for it from the next frame on.
            const float top = ImGui::GetFrameHeight();
            const ImVec2 origin(viewport->Pos.x, viewport->Pos.y + top);
            const ImVec2 area(viewport->Size.x, viewport->Size.y - top);
            m_areaHeight = area.y;
            const std::optional<ImVec4> placed = layoutRect(m_options.layout, *panel);
            const ImVec4 r = placed.value_or(panel->defaultRect());
            const std::string_view id = panel->id();
            const bool besideLesson =
                placed && (id == "lesson" || id == "scene" || id == "events" || id == "mailboxes");
            ImGuiCond cond = m_resetLayout || (m_placeLessonColumn && besideLesson) ? ImGuiCond_Always
                                                                                    : ImGuiCond_FirstUseEver;
            ImGui::SetNextWindowPos(ImVec2(origin.x + r.x * area.x, origin.y + r.y * area.y), cond);
            ImGui::SetNextWindowSize(ImVec2(r.z * area.x, r.w * area.y), cond);
        }
        // The title is what a student reads; "###id" keeps the saved layout when a title changes.
        std::string name = std::string(panel->title()) + "###" + panel->id();
        if (ImGui::Begin(name.c_str(), m_options.onlyPanel.empty() ? &panel->open : nullptr, flags)) {
            // A click in the panel before may have stepped or rebuilt the simulation: no stale pointers.
            refreshContext();
            panel->draw(m_context);
        }
        ImGui::End();
    }
}

} // namespace maillab::gui
