//! The playground page: mounts the Yew app.
fn main() {
    natsim::ui::crash::install();
    yew::Renderer::<natsim::ui::app::App>::new().render();
}
