//! The playground page: mounts the Yew app.
fn main() {
    console_error_panic_hook::set_once();
    yew::Renderer::<natsim::ui::app::App>::new().render();
}
