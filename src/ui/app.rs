//! Placeholder root component; replaced below.
use yew::prelude::*;

/// Root component.
#[function_component]
pub fn App() -> Html {
    html! { <p>{ "loading" }</p> }
}
