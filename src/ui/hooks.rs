//! Access to the page state from any component.

use super::state::PlaygroundState;
use yew::prelude::*;

/// The state handle shared through the root's context provider.
pub type Playground = UseReducerHandle<PlaygroundState>;

/// The page state and its dispatcher.
#[hook]
pub fn use_playground() -> Playground {
    use_context::<Playground>().expect("inside the playground's ContextProvider")
}
