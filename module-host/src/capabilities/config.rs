//! `config`: the module reads its own `modules.<name>` keys, never another module's and never
//! its grants.

use serde_json::{Map, Value};

pub struct ConfigCapability {
    settings: Map<String, Value>,
}

impl ConfigCapability {
    pub fn new(settings: Map<String, Value>) -> Self {
        Self { settings }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.settings.get(key).map(Value::to_string)
    }

    pub fn all(&self) -> String {
        Value::Object(self.settings.clone()).to_string()
    }
}
