//! The DevTools commands the scanner sends, with answers read leniently: only the fields
//! it uses, so that a newer Chromium (new enumeration values, new fields) cannot make an
//! answer unreadable. Events keep chromiumoxide's own types.

use serde::{Deserialize, Serialize};
use serde_json::Value;

macro_rules! command {
    ($name:ident, $method:literal, $response:ty) => {
        impl chromiumoxide::types::Method for $name {
            fn identifier(&self) -> chromiumoxide::types::MethodId {
                $method.into()
            }
        }
        impl chromiumoxide::types::Command for $name {
            type Response = $response;
        }
    };
}

/// An answer whose content does not matter.
#[derive(Debug, Deserialize)]
pub struct Nothing {}

/// `Browser.getVersion`.
#[derive(Debug, Serialize)]
pub struct GetVersion {}
/// Its answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Version {
    /// The browser's user agent.
    pub user_agent: String,
}
command!(GetVersion, "Browser.getVersion", Version);

/// `Browser.setDownloadBehavior`: a scan downloads nothing.
#[derive(Debug, Serialize)]
pub struct DenyDownloads {
    /// Always `deny`.
    pub behavior: &'static str,
}
command!(DenyDownloads, "Browser.setDownloadBehavior", Nothing);

/// `Network.setUserAgentOverride`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetUserAgent {
    /// The user agent to send.
    pub user_agent: String,
}
command!(SetUserAgent, "Network.setUserAgentOverride", Nothing);

/// `Storage.getCookies`: every cookie of the browser, whatever its domain.
#[derive(Debug, Serialize)]
pub struct GetCookies {}
/// Its answer.
#[derive(Debug, Deserialize)]
pub struct Cookies {
    /// The cookies.
    pub cookies: Vec<Cookie>,
}
command!(GetCookies, "Storage.getCookies", Cookies);

/// A cookie as the browser holds it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cookie {
    /// Name.
    pub name: String,
    /// Value.
    #[serde(default)]
    pub value: String,
    /// Domain: `.example.org` when set with a Domain attribute, else the host.
    pub domain: String,
    /// Path.
    #[serde(default)]
    pub path: String,
    /// Expiry in seconds since 1970; negative for a session cookie.
    #[serde(default = "minus_one")]
    pub expires: f64,
    /// HttpOnly.
    #[serde(default)]
    pub http_only: bool,
    /// Secure.
    #[serde(default)]
    pub secure: bool,
    /// Whether it ends with the browser session.
    #[serde(default)]
    pub session: bool,
    /// `Strict`, `Lax` or `None`, when set.
    #[serde(default)]
    pub same_site: Option<String>,
}

fn minus_one() -> f64 {
    -1.0
}

/// `Page.navigate`.
#[derive(Debug, Serialize)]
pub struct Navigate {
    /// The address.
    pub url: String,
}
/// Its answer, once the new document is committed (or the navigation failed).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Navigated {
    /// The loader of the new document (absent for a same-document navigation).
    #[serde(default)]
    pub loader_id: Option<String>,
    /// Why it failed (`net::ERR_CONNECTION_REFUSED`…).
    #[serde(default)]
    pub error_text: Option<String>,
}
command!(Navigate, "Page.navigate", Navigated);

/// `Page.stopLoading`.
#[derive(Debug, Serialize)]
pub struct StopLoading {}
command!(StopLoading, "Page.stopLoading", Nothing);

/// `Page.captureScreenshot` as PNG.
#[derive(Debug, Serialize)]
pub struct Screenshot {
    /// Always `png`.
    pub format: &'static str,
}
/// Its answer.
#[derive(Debug, Deserialize)]
pub struct ScreenshotData {
    /// The image, base64.
    pub data: String,
}
command!(Screenshot, "Page.captureScreenshot", ScreenshotData);

/// `Page.getFrameTree`.
#[derive(Debug, Serialize)]
pub struct GetFrameTree {}
/// Its answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTreeAnswer {
    /// The main frame and its descendants.
    pub frame_tree: FrameTree,
}
/// A frame and its children.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrameTree {
    /// The frame.
    pub frame: Frame,
    /// Its child frames.
    #[serde(default)]
    pub child_frames: Vec<FrameTree>,
}
/// A frame.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Frame {
    /// Its id.
    pub id: String,
    /// Its document's address.
    #[serde(default)]
    pub url: String,
}
command!(GetFrameTree, "Page.getFrameTree", FrameTreeAnswer);

impl FrameTree {
    /// Every frame, the main one first.
    pub fn frames(&self) -> Vec<&Frame> {
        let mut out = vec![&self.frame];
        for c in &self.child_frames {
            out.extend(c.frames());
        }
        out
    }
}

/// `Page.createIsolatedWorld`: a JavaScript world of Clause's own in a frame, which the
/// page's scripts cannot tamper with (an overridden `Object.keys` or `JSON.stringify`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorld {
    /// The frame.
    pub frame_id: String,
    /// The world's name.
    pub world_name: &'static str,
}
/// Its answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct World {
    /// The world's execution context.
    pub execution_context_id: i64,
}
command!(CreateWorld, "Page.createIsolatedWorld", World);

/// `Runtime.evaluate` of a constant expression (never built from data: data goes through
/// [`CallFunction`]'s arguments).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluate {
    /// The expression, a constant of Clause's.
    pub expression: &'static str,
    /// Where: the main world of the main frame when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<i64>,
    /// Always true: the value comes back as JSON.
    pub return_by_value: bool,
    /// Always true: a promise is awaited.
    pub await_promise: bool,
}
/// The answer of `Runtime.evaluate` and `Runtime.callFunctionOn`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluated {
    /// The value.
    pub result: RemoteObject,
    /// Set when the script threw.
    #[serde(default)]
    pub exception_details: Option<Value>,
}
/// A JavaScript value.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteObject {
    /// The value, when returned by value.
    #[serde(default)]
    pub value: Option<Value>,
    /// A reference to the object, when returned by reference.
    #[serde(default)]
    pub object_id: Option<String>,
    /// What it is, for an exception.
    #[serde(default)]
    pub description: Option<String>,
}
command!(Evaluate, "Runtime.evaluate", Evaluated);

impl Evaluated {
    /// The value, or the exception's text.
    pub fn into_result(self) -> Result<Value, String> {
        match self.exception_details {
            Some(d) => Err(d["exception"]["description"]
                .as_str()
                .or(d["text"].as_str())
                .unwrap_or("the script failed")
                .to_string()),
            None => Ok(self.result.value.unwrap_or(Value::Null)),
        }
    }
}

/// `Runtime.callFunctionOn`: a constant function of Clause's, called on an object with
/// arguments passed as values, so that data (a CSS selector, an address) is never code.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallFunction {
    /// The function's source, a constant of Clause's.
    pub function_declaration: &'static str,
    /// `this`.
    pub object_id: String,
    /// The arguments.
    pub arguments: Vec<CallArgument>,
    /// Always true.
    pub return_by_value: bool,
    /// Always true.
    pub await_promise: bool,
}
/// An argument passed by value.
#[derive(Debug, Serialize)]
pub struct CallArgument {
    /// The value, as JSON.
    pub value: Value,
}
command!(CallFunction, "Runtime.callFunctionOn", Evaluated);

/// A reference to an object, for `Runtime.evaluate` that does not return by value.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvaluateObject {
    /// The expression, a constant of Clause's.
    pub expression: &'static str,
    /// Where: the main world of the main frame when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_id: Option<i64>,
}
command!(EvaluateObject, "Runtime.evaluate", Evaluated);

/// `Target.closeTarget`: a tab that hung is closed, and the scan goes on in a new one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseTarget {
    /// The tab.
    pub target_id: String,
}
command!(CloseTarget, "Target.closeTarget", Nothing);
