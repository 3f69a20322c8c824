//! The entry points the runtime's use cases need: which kinds of content a message, a
//! template and a relationship creation take, and what they answer otherwise.

use content::{
    ContentError, CreationContent, MessageContent, TemplateContent, parse_creation_content,
    parse_message_content, parse_request, parse_template_content,
};
use serde_json::{Value, json};

const NOT_A_MESSAGE: &str = "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.";
const NOT_A_TEMPLATE: &str = "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.";
const NOT_A_CREATION: &str = "The creationContent of a Relationship must either be an ArbitraryRelationshipCreationContent or a RelationshipCreationContent.";

fn mail() -> Value {
    json!({"@type": "Mail", "to": ["did:e:localhost:dids:0123456789abcdef012345"], "subject": "Hi", "body": "Hello"})
}

fn request() -> Value {
    json!({"@type": "Request", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]})
}

fn refusal<T: std::fmt::Debug>(result: Result<T, ContentError>) -> (String, String) {
    let e = result.expect_err("refused");
    (e.code().to_owned(), e.message)
}

#[test]
fn a_message_takes_the_five_message_contents_only() {
    assert!(matches!(
        parse_message_content(&mail()),
        Ok(MessageContent::Mail(_))
    ));
    assert!(matches!(
        parse_message_content(&request()),
        Ok(MessageContent::Request(_))
    ));
    let wrong = (
        "error.runtime.validation.invalidPropertyValue".to_owned(),
        NOT_A_MESSAGE.to_owned(),
    );
    assert_eq!(
        refusal(parse_message_content(
            &json!({"@type": "GivenName", "value": "x"})
        )),
        wrong
    );
    assert_eq!(refusal(parse_message_content(&json!({"value": 1}))), wrong);
    assert_eq!(
        refusal(parse_message_content(
            &json!({"@type": "RelationshipCreationContent", "response": {"result": "Accepted", "requestId": "REQ", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}})
        )),
        wrong
    );
    // A broken content of a known kind fails on its own rules first, an unknown one as unknown.
    assert_eq!(
        refusal(parse_message_content(
            &json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"})
        )),
        (
            "error.runtime.requestDeserialization".to_owned(),
            "Mail.to:Array :: may not be empty".to_owned()
        )
    );
    assert_eq!(
        refusal(parse_message_content(&json!({"@type": "Foo"}))).0,
        "error.runtime.unknownType"
    );
}

#[test]
fn templates_and_creations_take_their_two_kinds_only() {
    let template = json!({"@type": "RelationshipTemplateContent", "onNewRelationship": request()});
    assert!(matches!(
        parse_template_content(&template),
        Ok(TemplateContent::RelationshipTemplateContent(t)) if t.on_new_relationship.items.len() == 1
    ));
    assert!(matches!(
        parse_template_content(
            &json!({"@type": "ArbitraryRelationshipTemplateContent", "value": 1})
        ),
        Ok(TemplateContent::ArbitraryRelationshipTemplateContent(_))
    ));
    assert_eq!(refusal(parse_template_content(&mail())).1, NOT_A_TEMPLATE);
    assert!(matches!(
        parse_creation_content(
            &json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}})
        ),
        Ok(CreationContent::ArbitraryRelationshipCreationContent(_))
    ));
    assert_eq!(refusal(parse_creation_content(&template)).1, NOT_A_CREATION);
}

#[test]
fn serde_gives_the_same_verdicts_and_prints_at_type_where_tojson_does() {
    let parsed: MessageContent = serde_json::from_value(request()).expect("a request message");
    assert_eq!(serde_json::to_value(&parsed).expect("prints"), request());
    let error = serde_json::from_value::<MessageContent>(json!({"@type": "Request", "items": []}))
        .expect_err("no items");
    assert_eq!(
        error.to_string(),
        "error.runtime.requestDeserialization: Request.items:Array :: may not be empty"
    );

    // `Request.from()` takes a request without `@type`; printed on its own it gets one.
    let mut bare = request();
    bare.as_object_mut().map(|m| m.remove("@type"));
    let request = parse_request(&bare).expect("a bare request");
    assert_eq!(request.to_json(), self::request());
    // Nested in a template (a typed, non-polymorphic field) it prints without.
    let template = parse_template_content(
        &json!({"@type": "RelationshipTemplateContent", "onNewRelationship": bare}),
    )
    .expect("a template");
    assert_eq!(
        serde_json::to_value(&template).expect("prints")["onNewRelationship"],
        bare
    );
}
