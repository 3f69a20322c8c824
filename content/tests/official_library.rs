//! Our content types against the official `@nmshd/content` 7.0.0, both ways:
//! - contents this crate builds (every value type, query, request item, form field setting,
//!   response item and notification item) are read back by the official library unchanged;
//! - contents the official library builds are parsed by this crate and printed back unchanged;
//! - broken contents are refused by both, with the official message.

mod official;

use content::attributes::hints::{HintFields, ValueHints, ValueHintsOverride, ValueHintsValue};
use content::attributes::identity_values::*;
use content::attributes::queries::*;
use content::attributes::relationship_values::*;
use content::attributes::{Attribute, Confidentiality, IdentityAttribute, RelationshipAttribute};
use content::notifications::*;
use content::requests::form_field::*;
use content::requests::items::*;
use content::requests::response::*;
use content::requests::response_wrapper::{RequestSourceType, ResponseWrapper};
use content::requests::{Request, RequestEntry, RequestItemGroup};
use content::*;
use serde_json::{Value, json};

const ADDRESS: &str = "did:e:localhost:dids:0123456789abcdef012345";
const OTHER: &str = "did:e:localhost:dids:fedcba9876543210fedcba";
const ATTRIBUTE_ID: &str = "ATTaaaaaaaaaaaaaaaaa";
const REQUEST_ID: &str = "REQaaaaaaaaaaaaaaaaa";

fn s(text: &str) -> String {
    text.to_owned()
}

fn text(value: &str) -> StringValue {
    StringValue::new(value)
}

fn n(value: f64) -> JsNumber {
    JsNumber(value)
}

/// A truncated file reference as the official library writes one (`id|algorithm|key||`).
fn file_reference() -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let key = engine.encode([7u8; 32]);
    engine.encode(format!(
        "FILaaaaaaaaaaaaaaaaa@https://backbone.example|3|{key}||"
    ))
}

fn identity_values() -> Vec<IdentityValue> {
    use IdentityValue as V;
    vec![
        V::Affiliation(Affiliation {
            organization: s("Org"),
            role: Some(s("Dev")),
            unit: None,
        }),
        V::BirthDate(BirthDate {
            day: n(29.0),
            month: n(2.0),
            year: n(2000.0),
        }),
        V::BirthName(text("Born")),
        V::BirthPlace(BirthPlace {
            city: s("Aachen"),
            country: s("DE"),
            state: None,
        }),
        V::Citizenship(text("AT")),
        V::CommunicationLanguage(text("de")),
        V::DeliveryBoxAddress(DeliveryBoxAddress {
            recipient: s("R"),
            user_id: s("u"),
            delivery_box_id: s("b"),
            zip_code: s("52062"),
            city: s("Aachen"),
            country: s("DE"),
            phone_number: Some(s("+49 1234")),
            state: Some(s("NRW")),
        }),
        V::DisplayName(text("Display")),
        V::EMailAddress(text("a.b@exämple.de")),
        V::FaxNumber(text("(0241) 123-45")),
        V::GivenName(text("Ünal")),
        V::HonorificPrefix(text("Prof.")),
        V::HonorificSuffix(text("MdB")),
        V::IdentityFileReference(text(&file_reference())),
        V::JobTitle(text("Baker")),
        V::Nationality(text("FR")),
        V::MiddleName(text("Maria")),
        V::PhoneNumber(text("+49 [0] 241 #12")),
        V::PostOfficeBoxAddress(PostOfficeBoxAddress {
            recipient: s("R"),
            box_id: s("42"),
            zip_code: s("1010"),
            city: s("Wien"),
            country: s("AT"),
            state: Some(s("W")),
        }),
        V::Pseudonym(text("Nick")),
        V::Sex(text("female")),
        V::StreetAddress(StreetAddress {
            recipient: s("R"),
            street: s("Hauptstraße"),
            house_no: s("1a"),
            zip_code: s("52062"),
            city: s("Aachen"),
            country: s("DE"),
            state: None,
        }),
        V::Surname(text("Smith")),
        V::Website(text("https://www.example.com:8443/a/b?c=d#e")),
        V::SchematizedXML(SchematizedXml {
            value: s("<a>b</a>"),
            schema_url: Some(s("https://example.com/a.xsd")),
        }),
    ]
}

fn proprietary<T>(value: T) -> Proprietary<T> {
    Proprietary {
        title: s("Title"),
        description: None,
        value_hints_override: None,
        value,
    }
}

fn hints() -> HintFields {
    HintFields {
        edit_help: Some(s("help")),
        min: Some(n(1.0)),
        max: Some(n(9.5)),
        pattern: Some(s("^[0-9]$")),
        values: Some(vec![
            ValueHintsValue {
                key: json!(1),
                display_name: s("one"),
            },
            ValueHintsValue {
                key: json!("x"),
                display_name: s("ex"),
            },
            ValueHintsValue {
                key: json!(true),
                display_name: s("yes"),
            },
        ]),
        default_value: Some(json!(1)),
        property_hints: vec![(
            s("value"),
            ValueHints(HintFields {
                max: Some(n(3.0)),
                ..Default::default()
            }),
        )],
    }
}

fn relationship_values() -> Vec<RelationshipValue> {
    use RelationshipValue as V;
    vec![
        V::ProprietaryBoolean(proprietary(false)),
        V::ProprietaryCountry(Proprietary {
            description: Some(s("where")),
            ..proprietary(s("CH"))
        }),
        V::ProprietaryEMailAddress(proprietary(s("a+b@example.org"))),
        V::ProprietaryFileReference(proprietary(file_reference())),
        V::ProprietaryFloat(proprietary(n(-0.25))),
        V::ProprietaryHEXColor(proprietary(s("#00ff7F"))),
        V::ProprietaryInteger(Proprietary {
            value_hints_override: Some(ValueHintsOverride(hints())),
            ..proprietary(n(7.0))
        }),
        V::ProprietaryLanguage(proprietary(s("en"))),
        V::ProprietaryPhoneNumber(proprietary(s("0049 241 1"))),
        V::ProprietaryString(Proprietary {
            value_hints_override: Some(ValueHintsOverride::default()),
            ..proprietary(s("text"))
        }),
        V::ProprietaryURL(proprietary(s("example.org/path"))),
        V::ProprietaryJSON(ProprietaryJson {
            title: s("t"),
            description: Some(s("d")),
            value: json!({"a": [1, null, "x"]}),
        }),
        V::ProprietaryXML(ProprietaryXml {
            title: s("t"),
            description: None,
            schema_url: Some(s("http://example.com/x.xsd")),
            value_hints_override: None,
            value: s("<x/>"),
        }),
        V::Consent(Consent {
            consent: s("I agree"),
            link: Some(s("https://example.com/terms")),
            link_display_text: Some(s("Terms")),
        }),
    ]
}

fn identity_attribute(value: IdentityValue) -> IdentityAttribute {
    IdentityAttribute {
        owner: s(ADDRESS),
        value,
        tags: Some(vec![s("x:a"), s("language:de")]),
    }
}

fn relationship_attribute(value: RelationshipValue) -> RelationshipAttribute {
    RelationshipAttribute {
        owner: s(ADDRESS),
        value,
        key: s("key"),
        is_technical: true,
        confidentiality: Confidentiality::Private,
    }
}

fn surname() -> Attribute {
    Attribute::IdentityAttribute(identity_attribute(IdentityValue::Surname(text("S"))))
}

fn string_attribute() -> Attribute {
    Attribute::RelationshipAttribute(relationship_attribute(
        RelationshipValue::ProprietaryString(proprietary(s("v"))),
    ))
}

fn item(must_be_accepted: bool) -> RequestItemFields {
    RequestItemFields::must_be_accepted(must_be_accepted)
}

fn queries() -> Vec<AttributeQuery> {
    vec![
        AttributeQuery::IdentityAttributeQuery(IdentityAttributeQuery {
            value_type: s("Surname"),
            tags: Some(vec![s("x:a")]),
        }),
        AttributeQuery::RelationshipAttributeQuery(RelationshipAttributeQuery {
            key: s("k"),
            owner: s(""),
            attribute_creation_hints: RelationshipAttributeCreationHints {
                title: s("t"),
                value_type: s("ProprietaryInteger"),
                description: Some(s("d")),
                value_hints: Some(ValueHints(hints())),
                confidentiality: Confidentiality::Public,
            },
        }),
        AttributeQuery::ThirdPartyRelationshipAttributeQuery(
            ThirdPartyRelationshipAttributeQuery {
                key: s("k"),
                owner: s("recipient"),
                third_party: vec![s(OTHER), s(ADDRESS)],
            },
        ),
        AttributeQuery::IQLQuery(IqlQuery {
            query_string: s("GivenName && #x:a"),
            attribute_creation_hints: Some(IqlQueryCreationHints {
                value_type: s("GivenName"),
                tags: None,
            }),
        }),
    ]
}

fn settings() -> Vec<FormFieldSettings> {
    use FormFieldSettings as F;
    vec![
        F::BooleanFormFieldSettings(BooleanFormFieldSettings {}),
        F::DateFormFieldSettings(DateFormFieldSettings {}),
        F::DoubleFormFieldSettings(NumberFormFieldSettings {
            unit: Some(s("m")),
            min: Some(n(0.5)),
            max: None,
        }),
        F::IntegerFormFieldSettings(NumberFormFieldSettings {
            unit: None,
            min: Some(n(-3.0)),
            max: Some(n(3.0)),
        }),
        F::RatingFormFieldSettings(RatingFormFieldSettings {
            max_rating: n(10.0),
        }),
        F::SelectionFormFieldSettings(SelectionFormFieldSettings {
            options: vec![s("a"), s("b")],
            allow_multiple_selection: Some(false),
        }),
        F::StringFormFieldSettings(StringFormFieldSettings {
            allow_newlines: Some(true),
            min: Some(n(0.0)),
            max: Some(n(4096.0)),
        }),
    ]
}

fn request_items() -> Vec<RequestItem> {
    use RequestItem as I;
    let mut items: Vec<RequestItem> = queries()
        .into_iter()
        .map(|query| {
            I::ReadAttributeRequestItem(ReadAttributeRequestItem {
                item: item(true),
                query,
            })
        })
        .collect();
    items.extend(settings().into_iter().map(|settings| {
        I::FormFieldRequestItem(FormFieldRequestItem {
            item: item(false),
            title: s("field"),
            settings,
        })
    }));
    items.extend([
        I::CreateAttributeRequestItem(CreateAttributeRequestItem {
            item: RequestItemFields {
                description: Some(s("why")),
                metadata: Some(json!({"m": [1]})),
                must_be_accepted: true,
            },
            attribute: string_attribute(),
        }),
        I::ShareAttributeRequestItem(ShareAttributeRequestItem {
            item: item(true),
            attribute: surname(),
            attribute_id: s(ATTRIBUTE_ID),
            third_party_address: Some(s(OTHER)),
        }),
        I::ProposeAttributeRequestItem(ProposeAttributeRequestItem {
            item: item(false),
            query: ProposeAttributeQuery::IdentityAttributeQuery(IdentityAttributeQuery {
                value_type: s("Surname"),
                tags: None,
            }),
            attribute: surname(),
        }),
        I::ProposeAttributeRequestItem(ProposeAttributeRequestItem {
            item: item(false),
            query: ProposeAttributeQuery::RelationshipAttributeQuery(RelationshipAttributeQuery {
                key: s("k"),
                owner: s(ADDRESS),
                attribute_creation_hints: RelationshipAttributeCreationHints {
                    title: s("t"),
                    value_type: s("ProprietaryString"),
                    description: None,
                    value_hints: None,
                    confidentiality: Confidentiality::Protected,
                },
            }),
            attribute: string_attribute(),
        }),
        I::DeleteAttributeRequestItem(DeleteAttributeRequestItem {
            item: item(true),
            attribute_id: s(ATTRIBUTE_ID),
        }),
        I::ConsentRequestItem(ConsentRequestItem {
            item: item(true),
            consent: s("I consent"),
            link: Some(s("www.example.com/terms")),
            link_display_text: None,
            requires_interaction: Some(true),
        }),
        I::AuthenticationRequestItem(AuthenticationRequestItem {
            item: item(true),
            title: s("Log in"),
        }),
        I::TransferFileOwnershipRequestItem(TransferFileOwnershipRequestItem {
            item: item(true),
            file_reference: file_reference(),
            ownership_token: s("token"),
        }),
    ]);
    items
}

fn response_items() -> Vec<ResponseItem> {
    use ResponseItem as I;
    use ResponseItemResult::{Accepted, Error, Rejected};
    let with_id = || AttributeIdAcceptResponseItem {
        result: Accepted,
        attribute_id: s(ATTRIBUTE_ID),
    };
    vec![
        I::AcceptResponseItem(AcceptResponseItem { result: Accepted }),
        I::RejectResponseItem(RejectResponseItem {
            result: Rejected,
            code: Some(s("some.code")),
            message: Some(s("no")),
        }),
        I::RejectResponseItem(RejectResponseItem {
            result: Rejected,
            code: None,
            message: None,
        }),
        I::ErrorResponseItem(ErrorResponseItem {
            result: Error,
            code: s("error.x"),
            message: s("broken"),
        }),
        I::CreateAttributeAcceptResponseItem(with_id()),
        I::ReadAttributeAcceptResponseItem(ReadAttributeAcceptResponseItem {
            result: Accepted,
            attribute_id: s(ATTRIBUTE_ID),
            attribute: string_attribute(),
            third_party_address: Some(s(OTHER)),
        }),
        I::ProposeAttributeAcceptResponseItem(ProposeAttributeAcceptResponseItem {
            result: Accepted,
            attribute_id: s(ATTRIBUTE_ID),
            attribute: surname(),
        }),
        I::DeleteAttributeAcceptResponseItem(DeleteAttributeAcceptResponseItem {
            result: Accepted,
            deletion_date: s("2030-01-01T00:00:00.000Z"),
        }),
        I::AttributeAlreadySharedAcceptResponseItem(with_id()),
        I::AttributeSuccessionAcceptResponseItem(AttributeSuccessionAcceptResponseItem {
            result: Accepted,
            predecessor_id: s(ATTRIBUTE_ID),
            successor_id: s("ATTbbbbbbbbbbbbbbbbb"),
            successor_content: string_attribute(),
        }),
        I::FormFieldAcceptResponseItem(FormFieldAcceptResponseItem {
            result: Accepted,
            response: FormFieldResponse::Text(s("t")),
        }),
        I::FormFieldAcceptResponseItem(FormFieldAcceptResponseItem {
            result: Accepted,
            response: FormFieldResponse::Number(n(2.5)),
        }),
        I::FormFieldAcceptResponseItem(FormFieldAcceptResponseItem {
            result: Accepted,
            response: FormFieldResponse::Boolean(true),
        }),
        I::FormFieldAcceptResponseItem(FormFieldAcceptResponseItem {
            result: Accepted,
            response: FormFieldResponse::Selection(vec![s("a"), s("b")]),
        }),
        I::TransferFileOwnershipAcceptResponseItem(TransferFileOwnershipAcceptResponseItem {
            result: Accepted,
            attribute_id: s(ATTRIBUTE_ID),
            attribute: identity_attribute(IdentityValue::IdentityFileReference(text(
                &file_reference(),
            ))),
        }),
    ]
}

fn response(items: Vec<ResponseEntry>) -> Response {
    Response {
        result: ResponseResult::Accepted,
        request_id: s(REQUEST_ID),
        items,
    }
}

fn request(items: Vec<RequestEntry>) -> Request {
    Request {
        id: Some(s(REQUEST_ID)),
        expires_at: None,
        title: None,
        description: None,
        metadata: None,
        items,
    }
}

/// Everything this crate can build, as top-level contents.
fn our_contents() -> Vec<Content> {
    let mut all: Vec<Content> = Vec::new();
    all.extend(
        identity_values()
            .into_iter()
            .map(|v| Content::IdentityAttribute(identity_attribute(v))),
    );
    all.extend(
        relationship_values()
            .into_iter()
            .map(|v| Content::RelationshipAttribute(relationship_attribute(v))),
    );
    all.extend(
        request_items()
            .into_iter()
            .map(|i| Content::Request(request(vec![RequestEntry::Item(i)]))),
    );
    all.extend(
        response_items()
            .into_iter()
            .map(|i| Content::Response(response(vec![ResponseEntry::Item(i)]))),
    );
    let group = Request {
        id: None,
        expires_at: Some(s("2030-06-01T12:00:00.000Z")),
        title: Some(s("T")),
        description: Some(s("D")),
        metadata: Some(json!({"k": "v"})),
        items: vec![
            RequestEntry::Group(RequestItemGroup {
                title: Some(s("G")),
                description: None,
                metadata: None,
                items: request_items().into_iter().take(3).collect(),
            }),
            RequestEntry::Item(request_items().remove(0)),
        ],
    };
    let grouped_response = response(vec![
        ResponseEntry::Group(ResponseItemGroup {
            items: response_items().into_iter().take(3).collect(),
        }),
        ResponseEntry::Item(response_items().remove(0)),
    ]);
    all.push(Content::Request(group.clone()));
    all.push(Content::Response(grouped_response.clone()));
    all.push(Content::ResponseWrapper(ResponseWrapper {
        request_id: s(REQUEST_ID),
        request_source_reference: s("RLTaaaaaaaaaaaaaaaaa"),
        request_source_type: RequestSourceType::RelationshipTemplate,
        response: grouped_response.clone(),
    }));
    all.push(Content::Notification(Notification {
        id: s("NOTaaaaaaaaaaaaaaaaa"),
        items: vec![
            NotificationItem::PeerAttributeSucceededNotificationItem(
                PeerAttributeSucceededNotificationItem {
                    predecessor_id: s(ATTRIBUTE_ID),
                    successor_id: s("ATTbbbbbbbbbbbbbbbbb"),
                    successor_content: surname(),
                },
            ),
            NotificationItem::OwnAttributeDeletedByOwnerNotificationItem(
                AttributeIdNotificationItem {
                    attribute_id: s(ATTRIBUTE_ID),
                },
            ),
            NotificationItem::PeerRelationshipAttributeDeletedByPeerNotificationItem(
                AttributeIdNotificationItem {
                    attribute_id: s(ATTRIBUTE_ID),
                },
            ),
            NotificationItem::ForwardedAttributeDeletedByPeerNotificationItem(
                AttributeIdNotificationItem {
                    attribute_id: s(ATTRIBUTE_ID),
                },
            ),
        ],
    }));
    all.push(Content::Mail(Mail {
        to: vec![s(ADDRESS)],
        cc: vec![],
        subject: s("Hi"),
        body: s("Hello\nthere"),
    }));
    all.push(Content::ArbitraryMessageContent(ArbitraryMessageContent {
        value: json!({"any": [1, "two"]}),
    }));
    let mut template_request = group;
    template_request.id = None;
    all.push(Content::RelationshipTemplateContent(
        RelationshipTemplateContent {
            title: Some(s("Welcome")),
            metadata: None,
            on_new_relationship: template_request.clone(),
            on_existing_relationship: Some(template_request),
        },
    ));
    all.push(Content::ArbitraryRelationshipTemplateContent(
        ArbitraryRelationshipTemplateContent { value: json!("x") },
    ));
    all.push(Content::RelationshipCreationContent(
        RelationshipCreationContent {
            response: grouped_response,
        },
    ));
    all.push(Content::ArbitraryRelationshipCreationContent(
        ArbitraryRelationshipCreationContent {
            value: json!(false),
        },
    ));
    all
}

fn to_json(content: &Content) -> Value {
    serde_json::to_value(content).expect("our contents serialise")
}

fn type_names(value: &Value, found: &mut std::collections::BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(t)) = map.get("@type") {
                found.insert(t.clone());
            }
            map.values().for_each(|v| type_names(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| type_names(v, found)),
        _ => {}
    }
}

/// Every type the crate has must show up in the samples of a direction.
fn assert_all_types_covered(direction: &str, samples: &[Value]) {
    let mut found = std::collections::BTreeSet::new();
    samples.iter().for_each(|s| type_names(s, &mut found));
    let expected = IDENTITY_VALUE_TYPES
        .iter()
        .chain(RELATIONSHIP_VALUE_TYPES.iter())
        .copied()
        .chain([
            "IdentityAttributeQuery",
            "RelationshipAttributeQuery",
            "ThirdPartyRelationshipAttributeQuery",
            "IQLQuery",
            "CreateAttributeRequestItem",
            "ShareAttributeRequestItem",
            "ReadAttributeRequestItem",
            "ProposeAttributeRequestItem",
            "DeleteAttributeRequestItem",
            "ConsentRequestItem",
            "AuthenticationRequestItem",
            "FormFieldRequestItem",
            "TransferFileOwnershipRequestItem",
            "BooleanFormFieldSettings",
            "DateFormFieldSettings",
            "DoubleFormFieldSettings",
            "IntegerFormFieldSettings",
            "RatingFormFieldSettings",
            "SelectionFormFieldSettings",
            "StringFormFieldSettings",
            "AcceptResponseItem",
            "RejectResponseItem",
            "ErrorResponseItem",
            "CreateAttributeAcceptResponseItem",
            "ReadAttributeAcceptResponseItem",
            "ProposeAttributeAcceptResponseItem",
            "DeleteAttributeAcceptResponseItem",
            "AttributeAlreadySharedAcceptResponseItem",
            "AttributeSuccessionAcceptResponseItem",
            "FormFieldAcceptResponseItem",
            "TransferFileOwnershipAcceptResponseItem",
            "RequestItemGroup",
            "ResponseItemGroup",
            "ValueHints",
            "ValueHintsOverride",
            "PeerAttributeSucceededNotificationItem",
            "OwnAttributeDeletedByOwnerNotificationItem",
            "PeerRelationshipAttributeDeletedByPeerNotificationItem",
            "ForwardedAttributeDeletedByPeerNotificationItem",
            "IdentityAttribute",
            "RelationshipAttribute",
            "Request",
            "Response",
            "ResponseWrapper",
            "Notification",
            "Mail",
            "ArbitraryMessageContent",
            "RelationshipTemplateContent",
            "ArbitraryRelationshipTemplateContent",
            "RelationshipCreationContent",
            "ArbitraryRelationshipCreationContent",
        ]);
    let missing: Vec<&str> = expected.filter(|t| !found.contains(*t)).collect();
    assert!(missing.is_empty(), "{direction}: no sample has {missing:?}");
}

#[test]
fn the_official_library_reads_what_we_write_unchanged() {
    let ours: Vec<Value> = our_contents().iter().map(to_json).collect();
    assert_all_types_covered("ours → official", &ours);
    let verdicts = official::judge(&ours);
    for (sample, verdict) in ours.iter().zip(&verdicts) {
        assert!(verdict.ok, "official refuses {sample}: {:?}", verdict.error);
        assert_eq!(
            verdict.json.as_ref(),
            Some(sample),
            "official prints it differently"
        );
        let again =
            parse_content(sample).unwrap_or_else(|e| panic!("we refuse our own {sample}: {e}"));
        assert_eq!(
            &to_json(&again),
            sample,
            "we print our own content differently"
        );
    }
    eprintln!(
        "ours → official: {} samples round-trip unchanged",
        ours.len()
    );
}

#[test]
fn we_read_what_the_official_library_writes_unchanged() {
    let examples = official::examples();
    let samples: Vec<Value> = examples.iter().map(|(_, json)| json.clone()).collect();
    assert_all_types_covered("official → ours", &samples);
    for (name, json) in &examples {
        let ours = parse_content(json).unwrap_or_else(|e| panic!("{name}: we refuse {json}: {e}"));
        assert_eq!(&to_json(&ours), json, "{name}: we print it differently");
    }
    eprintln!(
        "official → ours: {} samples parse and print unchanged",
        examples.len()
    );
}

fn identity(value: Value) -> Value {
    json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": value})
}

fn relationship(value: Value) -> Value {
    json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "value": value})
}

fn request_with(item: Value) -> Value {
    json!({"@type": "Request", "items": [item]})
}

fn response_with(item: Value) -> Value {
    json!({"@type": "Response", "result": "Accepted", "requestId": REQUEST_ID, "items": [item]})
}

fn read(query: Value) -> Value {
    request_with(
        json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": query}),
    )
}

fn form_field(settings: Value) -> Value {
    request_with(
        json!({"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "t", "settings": settings}),
    )
}

fn street_address(patch: Value) -> Value {
    let mut address = json!({"@type": "StreetAddress", "recipient": "r", "street": "s", "houseNo": "1", "zipCode": "z", "city": "c", "country": "DE"});
    if let (Some(map), Value::Object(patch)) = (address.as_object_mut(), patch) {
        for (k, v) in patch {
            if v.is_null() {
                map.remove(&k);
            } else {
                map.insert(k, v);
            }
        }
    }
    identity(address)
}

/// Broken contents: the official library refuses each, and so must we, with its message.
fn broken() -> Vec<Value> {
    let long = |n: usize| "x".repeat(n);
    let proprietary_string = json!({"@type": "ProprietaryString", "title": "t", "value": "v"});
    vec![
        json!({"@type": "Foo"}),
        identity(json!({"@type": "GivenName", "value": long(101)})),
        identity(json!({"@type": "GivenName"})),
        identity(json!({"@type": "GivenName", "value": null})),
        identity(json!({"@type": "GivenName", "value": 5})),
        identity(json!({"@type": "GivenName", "value": {"value": "x"}})),
        identity(json!({"@type": "Foo", "value": "x"})),
        identity(json!({"@type": "City", "value": "Aachen"})),
        identity(json!({"@type": "BirthDay", "value": 32})),
        identity(json!({"@type": "ProprietaryString", "title": "t", "value": "x"})),
        identity(json!({"value": "x"})),
        identity(json!("x")),
        identity(json!({"@type": "EMailAddress", "value": "no-at-sign"})),
        identity(json!({"@type": "EMailAddress", "value": "a@"})),
        identity(json!({"@type": "EMailAddress", "value": format!("{}@x.de", long(250))})),
        identity(json!({"@type": "PhoneNumber", "value": "12a"})),
        identity(json!({"@type": "FaxNumber", "value": "1"})),
        identity(json!({"@type": "Website", "value": "www.com"})),
        identity(json!({"@type": "Website", "value": "no"})),
        identity(json!({"@type": "Website", "value": "http://exa mple.com"})),
        identity(json!({"@type": "Nationality", "value": "XX"})),
        identity(json!({"@type": "Citizenship", "value": "de"})),
        identity(json!({"@type": "CommunicationLanguage", "value": "xx"})),
        identity(json!({"@type": "CommunicationLanguage", "value": "deu"})),
        identity(json!({"@type": "Sex", "value": "x"})),
        identity(json!({"@type": "IdentityFileReference", "value": "short"})),
        identity(json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "%%%"})),
        identity(json!({"@type": "SchematizedXML", "value": long(50001)})),
        identity(json!({"@type": "BirthDate", "day": 31, "month": 2, "year": 2000})),
        identity(json!({"@type": "BirthDate", "day": 1, "month": 1, "year": 9999})),
        identity(json!({"@type": "BirthDate", "day": 32, "month": 1, "year": 2000})),
        identity(json!({"@type": "BirthDate", "day": 1.5, "month": 1, "year": 2000})),
        identity(json!({"@type": "BirthDate", "day": 1, "month": 13, "year": 2000})),
        identity(json!({"@type": "BirthDate", "day": 1, "month": 1, "year": 0})),
        identity(json!({"@type": "BirthDate", "day": "1", "month": 1, "year": 2000})),
        identity(json!({"@type": "BirthDate", "month": 1, "year": 2000})),
        identity(json!({"@type": "BirthPlace", "city": "c", "country": "EN"})),
        identity(json!({"@type": "Affiliation", "role": "r"})),
        identity(json!({"@type": "Affiliation", "organization": long(101)})),
        identity(
            json!({"@type": "PostOfficeBoxAddress", "recipient": "r", "boxId": long(101), "zipCode": "z", "city": "c", "country": "DE"}),
        ),
        identity(
            json!({"@type": "DeliveryBoxAddress", "recipient": "r", "userId": "u", "deliveryBoxId": "b", "zipCode": "z", "city": "c", "country": "DE", "phoneNumber": "abc"}),
        ),
        street_address(json!({"city": long(101)})),
        street_address(json!({"city": null})),
        street_address(json!({"city": 5})),
        street_address(json!({"recipient": null})),
        street_address(json!({"country": "XX"})),
        street_address(json!({"state": {"value": long(101)}})),
        json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": {"@type": "GivenName", "value": "x"}, "tags": ["a", "a"]}),
        json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": {"@type": "GivenName", "value": "x"}, "tags": vec!["t"; 21].iter().enumerate().map(|(i, _)| format!("t{i}")).collect::<Vec<_>>()}),
        json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": {"@type": "GivenName", "value": "x"}, "tags": [long(251)]}),
        json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": {"@type": "GivenName", "value": "x"}, "tags": "a"}),
        json!({"@type": "IdentityAttribute", "owner": ADDRESS, "value": {"@type": "GivenName", "value": "x"}, "tags": [1]}),
        json!({"@type": "IdentityAttribute", "owner": 5, "value": {"@type": "GivenName", "value": "x"}}),
        json!({"@type": "IdentityAttribute", "value": {"@type": "GivenName", "value": "x"}}),
        relationship(json!({"@type": "ProprietaryHEXColor", "title": "t", "value": "#12"})),
        relationship(json!({"@type": "ProprietaryHEXColor", "title": "t", "value": "#12345"})),
        relationship(json!({"@type": "ProprietaryFloat", "title": "t", "value": "1"})),
        relationship(json!({"@type": "ProprietaryInteger", "title": "t", "value": 1.5})),
        relationship(json!({"@type": "ProprietaryBoolean", "title": "t", "value": 1})),
        relationship(json!({"@type": "ProprietaryJSON", "title": "t", "value": long(5000)})),
        relationship(json!({"@type": "ProprietaryJSON", "title": "t"})),
        relationship(json!({"@type": "ProprietaryString", "value": "x"})),
        relationship(json!({"@type": "ProprietaryString", "title": long(101), "value": "x"})),
        relationship(
            json!({"@type": "ProprietaryString", "title": "t", "description": long(1001), "value": "x"}),
        ),
        relationship(
            json!({"@type": "ProprietaryString", "title": "t", "description": null, "value": "x"}),
        ),
        relationship(
            json!({"@type": "ProprietaryString", "title": "t", "value": "x", "valueHintsOverride": {"min": "a"}}),
        ),
        relationship(
            json!({"@type": "ProprietaryString", "title": "t", "value": "x", "valueHintsOverride": {"values": [{"key": "k"}]}}),
        ),
        relationship(
            json!({"@type": "ProprietaryString", "title": "t", "value": "x", "valueHintsOverride": {"editHelp": long(501)}}),
        ),
        relationship(json!({"@type": "ProprietaryEMailAddress", "title": "t", "value": "x@"})),
        relationship(json!({"@type": "ProprietaryURL", "title": "t", "value": "x"})),
        relationship(json!({"@type": "ProprietaryCountry", "title": "t", "value": "EU"})),
        relationship(json!({"@type": "ProprietaryLanguage", "title": "t", "value": "xx"})),
        relationship(json!({"@type": "ProprietaryPhoneNumber", "title": "t", "value": "call me"})),
        relationship(
            json!({"@type": "ProprietaryFileReference", "title": "t", "value": long(151)}),
        ),
        relationship(
            json!({"@type": "ProprietaryXML", "title": "t", "value": "<x/>", "schemaURL": "a"}),
        ),
        relationship(json!({"@type": "Consent", "consent": "c", "linkDisplayText": "abc"})),
        relationship(json!({"@type": "Consent", "consent": "c", "link": "bad link"})),
        relationship(json!({"@type": "Consent", "consent": long(10001)})),
        relationship(
            json!({"@type": "Consent", "consent": "c", "link": "https://x.de", "linkDisplayText": "ab"}),
        ),
        relationship(json!({"@type": "GivenName", "value": "x"})),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "x", "value": proprietary_string}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "value": proprietary_string}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": long(101), "confidentiality": "public", "value": proprietary_string}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "isTechnical": "yes", "value": proprietary_string}),
        read(json!({"@type": "IdentityAttributeQuery", "valueType": "Foo"})),
        read(
            json!({"@type": "IdentityAttributeQuery", "valueType": "GivenName", "tags": ["a", "a"]}),
        ),
        read(
            json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "x", "thirdParty": [ADDRESS]}),
        ),
        read(
            json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": []}),
        ),
        read(
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "GivenName", "confidentiality": "public"}}),
        ),
        read(
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"@type": "Foo", "title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}),
        ),
        read(json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": ""})),
        read(
            json!({"@type": "IQLQuery", "queryString": "GivenName", "attributeCreationHints": {"valueType": "Foo"}}),
        ),
        read(json!({"@type": "IQLQuery", "queryString": long(4097)})),
        read(json!({"@type": "GivenName", "value": "x"})),
        request_with(json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true})),
        request_with(
            json!({"@type": "ReadAttributeRequestItem", "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}),
        ),
        request_with(
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": "yes", "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}, "attribute": relationship(proprietary_string.clone())}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}, "attribute": identity(json!({"@type": "GivenName", "value": "x"}))}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}, "attribute": identity(json!({"@type": "GivenName", "value": "x"}))}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IQLQuery", "queryString": "Surname", "attributeCreationHints": {"valueType": "Surname"}}, "attribute": identity(json!({"@type": "GivenName", "value": "x"}))}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryInteger", "confidentiality": "public"}}, "attribute": relationship(proprietary_string.clone())}),
        ),
        request_with(
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": [ADDRESS]}, "attribute": relationship(proprietary_string.clone())}),
        ),
        request_with(
            json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": true, "attribute": proprietary_string}),
        ),
        request_with(
            json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true, "attribute": identity(json!({"@type": "GivenName", "value": "x"}))}),
        ),
        request_with(json!({"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true})),
        request_with(
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "linkDisplayText": "abc"}),
        ),
        request_with(
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "x"}),
        ),
        request_with(
            json!({"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": long(201)}),
        ),
        request_with(
            json!({"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t", "description": long(501)}),
        ),
        request_with(
            json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true, "ownershipToken": "t"}),
        ),
        form_field(json!({"@type": "RatingFormFieldSettings", "maxRating": 11})),
        form_field(json!({"@type": "RatingFormFieldSettings", "maxRating": 4})),
        form_field(json!({"@type": "RatingFormFieldSettings", "maxRating": 5.5})),
        form_field(json!({"@type": "RatingFormFieldSettings"})),
        form_field(json!({"@type": "SelectionFormFieldSettings", "options": [""]})),
        form_field(json!({"@type": "SelectionFormFieldSettings"})),
        form_field(json!({"@type": "StringFormFieldSettings", "min": -1})),
        form_field(json!({"@type": "StringFormFieldSettings", "max": 4097})),
        form_field(json!({"@type": "IntegerFormFieldSettings", "min": 1.5})),
        form_field(json!({"@type": "DoubleFormFieldSettings", "min": "1"})),
        form_field(json!({"@type": "GivenName", "value": "x"})),
        request_with(
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": true, "settings": {"@type": "BooleanFormFieldSettings"}}),
        ),
        request_with(json!({"@type": "RequestItemGroup", "items": []})),
        request_with(json!({"@type": "Foo"})),
        json!({"@type": "Request", "items": []}),
        json!({"@type": "Request", "items": "x"}),
        json!({"@type": "Request"}),
        json!({"@type": "Request", "title": long(201), "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        json!({"@type": "Request", "expiresAt": "not a date", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        json!({"@type": "Request", "expiresAt": "2030-13-01", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        json!({"@type": "Request", "expiresAt": "2030-02-30T10:00:00Z", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        json!({"@type": "Request", "expiresAt": "2030-01-01T25:00", "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        json!({"@type": "Request", "id": 5, "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}),
        response_with(json!({"@type": "ResponseItemGroup", "items": []})),
        response_with(
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": ""}),
        ),
        response_with(
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": {}}),
        ),
        response_with(
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": [1]}),
        ),
        response_with(json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted"})),
        response_with(
            json!({"@type": "RejectResponseItem", "result": "Rejected", "code": long(201)}),
        ),
        response_with(json!({"@type": "ErrorResponseItem", "result": "Error", "code": "c"})),
        response_with(json!({"@type": "CreateAttributeAcceptResponseItem", "result": "Accepted"})),
        response_with(json!({"@type": "AcceptResponseItem"})),
        response_with(
            json!({"@type": "ReadAttributeAcceptResponseItem", "result": "Accepted", "attributeId": ATTRIBUTE_ID, "attribute": proprietary_string}),
        ),
        response_with(
            json!({"@type": "DeleteAttributeAcceptResponseItem", "result": "Accepted", "deletionDate": "x"}),
        ),
        response_with(
            json!({"@type": "AttributeSuccessionAcceptResponseItem", "result": "Accepted", "predecessorId": ATTRIBUTE_ID, "successorId": ATTRIBUTE_ID}),
        ),
        response_with(
            json!({"@type": "TransferFileOwnershipAcceptResponseItem", "result": "Accepted", "attributeId": ATTRIBUTE_ID, "attribute": relationship(proprietary_string.clone())}),
        ),
        response_with(json!({"@type": "Foo", "result": "Accepted"})),
        json!({"@type": "Response", "requestId": REQUEST_ID, "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}),
        json!({"@type": "Response", "result": "Accepted", "requestId": REQUEST_ID, "items": []}),
        json!({"@type": "ResponseWrapper", "requestId": REQUEST_ID, "requestSourceReference": "MSGaaaaaaaaaaaaaaaaa", "requestSourceType": "Foo", "response": {"result": "Accepted", "requestId": REQUEST_ID, "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}}),
        json!({"@type": "ResponseWrapper", "requestId": REQUEST_ID, "requestSourceReference": "MSGaaaaaaaaaaaaaaaaa", "requestSourceType": "Message"}),
        json!({"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": []}),
        json!({"@type": "Notification", "items": [{"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": ATTRIBUTE_ID}]}),
        json!({"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": [{"@type": "OwnAttributeDeletedByOwnerNotificationItem"}]}),
        json!({"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}),
        json!({"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": [{"@type": "Foo"}]}),
        json!({"@type": "Notification", "id": "NOTaaaaaaaaaaaaaaaaa", "items": [{"@type": "PeerAttributeSucceededNotificationItem", "predecessorId": ATTRIBUTE_ID, "successorId": ATTRIBUTE_ID, "successorContent": {"@type": "GivenName", "value": "x"}}]}),
        json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"}),
        json!({"@type": "Mail", "to": "x", "subject": "s", "body": "b"}),
        json!({"@type": "Mail", "to": [5], "subject": "s", "body": "b"}),
        json!({"@type": "Mail", "to": [ADDRESS], "subject": long(301), "body": "b"}),
        json!({"@type": "Mail", "to": [ADDRESS], "subject": "s", "body": long(50001)}),
        json!({"@type": "Mail", "to": [ADDRESS], "subject": "s"}),
        json!({"@type": "ArbitraryMessageContent"}),
        json!({"@type": "ArbitraryMessageContent", "value": null}),
        json!({"@type": "RelationshipTemplateContent"}),
        json!({"@type": "RelationshipTemplateContent", "title": long(201), "onNewRelationship": {"items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"}]}}),
        json!({"@type": "RelationshipTemplateContent", "onNewRelationship": {"@type": "Response", "items": []}}),
        json!({"@type": "RelationshipTemplateContent", "onNewRelationship": {"items": []}}),
        json!({"@type": "ArbitraryRelationshipTemplateContent"}),
        json!({"@type": "RelationshipCreationContent"}),
        json!({"@type": "RelationshipCreationContent", "response": {"result": "Accepted", "items": []}}),
        json!({"@type": "ArbitraryRelationshipCreationContent"}),
    ]
}

#[test]
fn both_refuse_broken_contents_with_the_official_message() {
    let samples = broken();
    let verdicts = official::judge(&samples);
    let mut mismatches = Vec::new();
    for (sample, verdict) in samples.iter().zip(&verdicts) {
        let official = verdict
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("the official library accepts {sample}: {:?}", verdict.json));
        match parse_content(sample) {
            Ok(ours) => mismatches.push(format!("we accept {sample} as {}", to_json(&ours))),
            Err(ours) if ours.message != official.message || ours.code() != official.code() => {
                mismatches.push(format!(
                    "{sample}\n   official: {} {}\n   ours:     {} {}",
                    official.code(),
                    official.message,
                    ours.code(),
                    ours.message
                ))
            }
            Err(_) => {}
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        samples.len(),
        mismatches.join("\n")
    );
    eprintln!(
        "broken: {} samples refused by both with the same code and message",
        samples.len()
    );
}

/// Loose input the official library takes and normalises: shorthands, extra or metadata
/// fields, other date forms, optional `@type`s on typed fields. We must take it too and print
/// the same normalised JSON.
fn loose() -> Vec<Value> {
    let auth = json!({"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"});
    let accept = json!({"@type": "AcceptResponseItem", "result": "Accepted"});
    vec![
        street_address(
            json!({"city": {"value": "Aachen"}, "street": {"@type": "Street", "value": "Main"}}),
        ),
        identity(
            json!({"@type": "BirthDate", "day": {"value": 1}, "month": 1, "year": {"@type": "BirthYear", "value": 1990}}),
        ),
        identity(json!({"@type": "BirthDate", "day": 1.0, "month": 12, "year": 1990})),
        identity(
            json!({"@type": "Affiliation", "organization": "O", "unit": {"value": "U"}, "extra": true}),
        ),
        json!({"@type": "IdentityAttribute", "@context": "c", "@version": "1", "foo": 1, "owner": {"address": ADDRESS}, "value": {"@type": "GivenName", "value": "x", "bar": 2}}),
        json!({"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Sex", "value": "male"}, "tags": []}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "value": {"@type": "ProprietaryFloat", "title": "t", "value": 1.0}}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "isTechnical": false, "value": {"@type": "ProprietaryInteger", "title": "t", "value": 1e3, "valueHintsOverride": {"@type": "ValueHintsOverride", "propertyHints": {"value": {"@type": "ValueHints", "min": 0}}}}}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "value": {"@type": "ProprietaryJSON", "title": "t", "value": [1.5, {"a": null}]}}),
        json!({"@type": "RelationshipAttribute", "owner": ADDRESS, "key": "k", "confidentiality": "public", "value": {"@type": "ProprietaryHEXColor", "title": "t", "value": "#ABCDEF", "valueHintsOverride": {"values": [{"key": false, "displayName": "no"}], "defaultValue": "x"}}}),
        read(
            json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "thirdParty", "thirdParty": ADDRESS}),
        ),
        read(
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"@type": "RelationshipAttributeCreationHints", "title": "t", "valueType": "ProprietaryString", "confidentiality": "private", "valueHints": {"max": 5}}}),
        ),
        read(
            json!({"@type": "IQLQuery", "queryString": "GivenName", "attributeCreationHints": {"@type": "IQLQueryCreationHints", "valueType": "GivenName", "tags": ["x:y"]}}),
        ),
        json!({"@type": "Request", "expiresAt": "2030-01-01", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-06", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "20300102", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-01-02T03", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "20300102T0304", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-01-02T03:04:05,5+0100", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-01-02T03:04:05.123456-05", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": {"date": "2030-01-02T03:04:05Z"}, "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-01-01T10:00:00+02:00", "items": [auth]}),
        json!({"@type": "Request", "expiresAt": "2030-01-01T10:00:00.5Z", "id": {"id": REQUEST_ID}, "items": [auth]}),
        json!({"@type": "Request", "items": [{"@type": "RequestItemGroup", "items": [auth], "metadata": {}}], "metadata": {"a": {"b": [1]}}}),
        request_with(
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": false, "consent": "c", "link": "HTTPS://X.DE/A_B"}),
        ),
        request_with(
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "t", "settings": {"@type": "DoubleFormFieldSettings", "min": 1, "max": 1.0}}),
        ),
        response_with(
            json!({"@type": "DeleteAttributeAcceptResponseItem", "result": "Accepted", "deletionDate": "2030-01-01T00:00:00+01:00"}),
        ),
        response_with(
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": []}),
        ),
        response_with(
            json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "c", "extra": "dropped"}),
        ),
        json!({"@type": "ResponseWrapper", "requestId": REQUEST_ID, "requestSourceReference": "MSGaaaaaaaaaaaaaaaaa", "requestSourceType": "Message", "response": {"@type": "Response", "result": "Rejected", "requestId": REQUEST_ID, "items": [accept]}}),
        json!({"@type": "RelationshipTemplateContent", "onNewRelationship": {"@type": "Request", "items": [auth]}}),
        json!({"@type": "RelationshipCreationContent", "response": {"result": "Accepted", "requestId": REQUEST_ID, "items": [accept]}}),
        json!({"@type": "Mail", "to": [ADDRESS], "subject": "s", "body": "b"}),
        json!({"@type": "Mail", "to": [ADDRESS], "cc": null, "subject": "s", "body": ""}),
        json!({"@type": "Mail", "to": [ADDRESS], "subject": "s", "content": "old body field"}),
        json!({"@type": "ArbitraryMessageContent", "value": [null, 0.5, "x"]}),
        serde_json::from_str(r#"{"@type": "ArbitraryMessageContent", "value": [1.0, -0.0, 1e16, 1e21, 9007199254740993, 2.50]}"#).expect("JSON"),
        serde_json::from_str(r#"{"@type": "RelationshipAttribute", "owner": "", "key": "k", "confidentiality": "public", "value": {"@type": "ProprietaryJSON", "title": "t", "value": {"n": 3.0}}}"#).expect("JSON"),
        serde_json::from_str(r#"{"@type": "RelationshipAttribute", "owner": "", "key": "k", "confidentiality": "public", "value": {"@type": "ProprietaryFloat", "title": "t", "value": 3.0, "valueHintsOverride": {"defaultValue": 2.0, "values": [{"key": 1.0, "displayName": "one"}]}}}"#).expect("JSON"),
        serde_json::from_str(r#"{"@type": "Request", "metadata": {"n": 1.0}, "items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t", "metadata": {"m": 1e2}}]}"#).expect("JSON"),
        json!({"@type": "Notification", "id": {"id": "NOTaaaaaaaaaaaaaaaaa"}, "items": [{"@type": "ForwardedAttributeDeletedByPeerNotificationItem", "attributeId": ATTRIBUTE_ID}]}),
    ]
}

#[test]
fn both_normalise_loose_input_the_same_way() {
    let samples = loose();
    let verdicts = official::judge(&samples);
    for (sample, verdict) in samples.iter().zip(&verdicts) {
        let official = verdict.json.as_ref().unwrap_or_else(|| {
            panic!("the official library refuses {sample}: {:?}", verdict.error)
        });
        let ours = parse_content(sample).unwrap_or_else(|e| panic!("we refuse {sample}: {e}"));
        assert_eq!(
            &to_json(&ours),
            official,
            "{sample} is normalised differently"
        );
    }
    eprintln!("loose: {} samples normalised the same way", samples.len());
}

/// Where we are stricter on purpose: the official classes type these lists `Serializable` or
/// these fields plain `string` and take anything, and the runtime refuses such contents only
/// later (or never). Typed Rust data has no place for them.
#[test]
fn we_refuse_what_the_official_classes_let_through() {
    let auth = json!({"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "t"});
    let accept = json!({"@type": "AcceptResponseItem", "result": "Accepted"});
    let cases = [
        (
            request_with(json!({"@type": "GivenName", "value": "x"})),
            "Request.items :: Item with index 0 could not be deserialized to a Serializable (Request.items[] :: Parsed object is not an instance of any allowed types (RequestItemGroup|RequestItem).)",
        ),
        (
            request_with(
                json!({"@type": "RequestItemGroup", "items": [{"@type": "RequestItemGroup", "items": [auth]}]}),
            ),
            "Request.items :: Item with index 0 could not be deserialized to a Serializable (RequestItemGroup.items :: Item with index 0 could not be deserialized to a Serializable (RequestItemGroup.items[] :: Parsed object is not an instance of any allowed types RequestItem.))",
        ),
        (
            response_with(auth.clone()),
            "Response.items :: Item with index 0 could not be deserialized to a Serializable (Response.items[] :: Parsed object is not an instance of any allowed types (ResponseItemGroup|ResponseItem).)",
        ),
        (
            json!({"@type": "Response", "result": "Maybe", "requestId": REQUEST_ID, "items": [accept]}),
            "Response.result :: must be one of: Accepted,Rejected",
        ),
        (
            response_with(json!({"@type": "AcceptResponseItem", "result": "Maybe"})),
            "Response.items :: Item with index 0 could not be deserialized to a Serializable (AcceptResponseItem.result :: must be one of: Accepted,Rejected,Error)",
        ),
        (
            json!({"@type": "Request", "metadata": "x", "items": [auth]}),
            "Request.metadata :: Value is not an Object and no instance of Object.",
        ),
        (json!({"value": 1}), "The content has no @type."),
    ];
    let samples: Vec<Value> = cases.iter().map(|(sample, _)| sample.clone()).collect();
    let verdicts = official::judge(&samples);
    for ((sample, message), verdict) in cases.iter().zip(&verdicts) {
        assert!(
            verdict.ok,
            "the official library now refuses {sample}: {:?}",
            verdict.error
        );
        let ours = parse_content(sample).expect_err("we refuse it");
        assert_eq!(ours.message, *message, "{sample}");
    }
}
