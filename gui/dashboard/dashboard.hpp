// The dashboard: the lesson player and every panel, drawn with Dear ImGui. Knows nothing of windows or
// OpenGL (gui/app does that), so tests and benchmarks drive it with a bare ImGui context.
#pragma once

#include "lesson_player.hpp"
#include "live_server.hpp"
#include "panel.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace maillab::gui {

enum class Theme { Dark, Light };

// "student", "presenter", "analyst"; nullopt for any other name.
std::optional<Layout> layoutFromName(std::string_view name);
const char* layoutName(Layout layout);

struct DashboardOptions {
    std::filesystem::path lesson; // empty: the first lesson in lessons/
    Layout layout = Layout::Analyst;
    bool layoutGiven = false; // on the command line: it wins over the layout saved in imgui.ini
    bool presenter = false;   // the presenter layout (older spelling of layout = Presenter)
    Theme theme = Theme::Dark;
    bool themeGiven = false; // on the command line: it wins over the theme saved in imgui.ini
    std::string onlyPanel;   // draw just this panel, filling the screen (screenshot --panel)
    double animationAt = -1; // screenshots: animations drawn at this fraction of their course (Context)
};

class Dashboard {
public:
    explicit Dashboard(DashboardOptions options = {});
    ~Dashboard();

    // Adds the fonts to ImGui's atlas (call before the atlas is built); without it ImGui's own font is used.
    void loadFonts();
    // Applies the theme and presenter scale to ImGui's style.
    void applyStyle();
    // Keeps theme, presenter mode and the lesson in imgui.ini beside the window layout (call before the
    // first frame, when an ini file is used).
    void registerSettings();
    // The backend's key index that toggles presenter mode (F5 in GLFW's numbering); -1: none.
    void setPresenterKey(int keyIndex) { m_presenterKey = keyIndex; }

    // One frame of UI between ImGui::NewFrame() and ImGui::Render(); seconds since the last frame.
    void frame(double seconds);

    LessonPlayer& player() { return m_player; }
    LiveServer& live() { return m_live; }
    Panel* panel(std::string_view id);
    const std::vector<std::unique_ptr<Panel>>& panels() const { return m_panels; }
    Context& context() { return m_context; }
    // Opens the transcript and brings this entry (an index into the simulation's transcript) into view.
    void showTranscriptEntry(size_t entry);

    Layout layout() const { return m_options.layout; }
    // Opens the layout's panels where it puts them (the others close; View opens them again).
    void setLayout(Layout layout);
    bool presenter() const { return m_options.layout == Layout::Presenter; }
    // Presenter on, or back to the layout before it (F5).
    void setPresenter(bool on);
    Theme theme() const { return m_options.theme; }
    void setTheme(Theme theme);
    bool liveMode() const { return m_liveMode; }
    void setLiveMode(bool on) { m_liveMode = on && m_live.running(); }
    // serve --gui: the dashboard watches the command line's server and must not stop it.
    void watchServer(store::Store& store, wire::Transcript& transcript, net::Server* server);
    bool ownsLiveServer() const { return !m_watchingExternal; }
    bool quitRequested() const { return m_quit; }
    // The lessons found in lessons/, for the lesson chooser.
    const std::vector<std::filesystem::path>& lessonFiles() const { return m_lessonFiles; }
    // The lesson's own title ("POP3 delete mode: download and remove"), or its file name.
    std::string lessonTitle(const std::filesystem::path& file) const;
    // The lesson panel's height (pixels) that shows its controls and its largest question whole. The layout
    // gives it that much, within limits, taken from the panel beside it; it only grows for one lesson, so
    // the panels do not jump at every question.
    void fitLessonPanel(float height);

private:
    void refreshContext();
    void drawMenuBar();
    void drawPanels();
    void handleShortcuts();
    void applyLayout();
    // Where a panel goes in a layout, as fractions of the screen; nullopt: the layout leaves it closed.
    std::optional<ImVec4> layoutRect(Layout layout, const Panel& panel) const;
    // The share of the screen's height the lesson panel gets in a layout where its default is `share`.
    float lessonShare(float share, float most) const;

    DashboardOptions m_options;
    LessonPlayer m_player;
    LiveServer m_live;
    bool m_liveMode = false;
    bool m_watchingExternal = false;
    std::vector<std::unique_ptr<Panel>> m_panels;
    std::vector<std::filesystem::path> m_lessonFiles;
    std::map<std::filesystem::path, std::string> m_lessonTitles;
    Context m_context;
    Fonts m_normalFonts, m_presenterFonts;
    bool m_resetLayout = false;
    bool m_quit = false;
    bool m_styleDirty = true;
    int m_presenterKey = -1;
    bool m_settingsRegistered = false;
    Layout m_layoutBeforePresenter = Layout::Student;
    float m_lessonHeight = 0;           // what the lesson panel asked for (fitLessonPanel)
    float m_areaHeight = 0;             // the screen under the menu bar, last frame
    bool m_lessonHeightChanged = false; // since the last frame
    bool m_placeLessonColumn = false;   // this frame: the lesson panel and its neighbour go where it asked
    std::filesystem::path m_lessonHeightFor;
    bool m_lessonPlacedFinished = false; // the lesson column was last placed for the end of a lesson
};

} // namespace maillab::gui
