//! `/`: the provider buttons.

use leptos::prelude::*;
use latchkey_proto::public_config::PublicProvider;

use crate::app::ConfigResource;
use crate::components::{ConfigProblem, ProviderButtons, SetupHelp};
use crate::config::ConfigError;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let ConfigResource(config) = expect_context::<ConfigResource>();
    let (busy, set_busy) = signal(None::<String>);
    let on_select = Callback::new(move |provider: PublicProvider| {
        set_busy.set(Some(provider.id));
    });
    let retry = Callback::new(move |()| config.refetch());

    view! {
        <section class="card signin" aria-labelledby="signin-title">
            <h1 id="signin-title">"Sign in"</h1>
            <p class="lede">"Pick an account you already have. Your password goes only to that provider."</p>
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading the list of providers…"</p> }>
                {move || Suspend::new(async move {
                    match config.await {
                        Ok(cfg) if cfg.providers.is_empty() => view! { <SetupHelp missing=false/> }.into_any(),
                        Ok(cfg) => view! {
                            <ProviderButtons providers=cfg.providers on_select=on_select busy=busy/>
                        }.into_any(),
                        Err(ConfigError::Missing) => view! { <SetupHelp missing=true/> }.into_any(),
                        Err(error) => view! { <ConfigProblem error=error on_retry=retry/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
