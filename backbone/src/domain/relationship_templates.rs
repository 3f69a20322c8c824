//! Relationship templates: encrypted offers to connect. Reading one allocates it for the reader;
//! a template with `maxNumberOfAllocations` refuses further readers once they are used up.

use super::protection::check_protection;
use super::sync::EventType;
use super::{Backbone, Caller, Tx};
use crate::error::{Error, Result};
use crate::model::{Bytes, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wire::{Address, RelationshipTemplateId};

pub const COLLECTION: &str = "relationship_templates";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    pub allocated_by: Address,
    pub allocated_by_device: String,
    pub allocated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipTemplate {
    pub id: String,
    pub created_by: Address,
    pub created_by_device: String,
    pub max_number_of_allocations: Option<u32>,
    pub for_identity: Option<Address>,
    pub password: Option<Bytes>,
    pub expires_at: Option<Timestamp>,
    pub content: Bytes,
    pub created_at: Timestamp,
    pub allocations: Vec<Allocation>,
}

impl RelationshipTemplate {
    fn visible_to(&self, address: &Address) -> bool {
        self.for_identity.as_ref().is_none_or(|f| f == address) || &self.created_by == address
    }

    fn is_allocated_by(&self, address: &Address) -> bool {
        self.allocations.iter().any(|a| &a.allocated_by == address)
    }

    fn password_accepted(&self, address: &Address, password: Option<&Bytes>) -> bool {
        match &self.password {
            None => true,
            Some(expected) => {
                password.is_some_and(|p| p.ct_eq(expected))
                    || &self.created_by == address
                    || self.is_allocated_by(address)
            }
        }
    }

    pub(crate) fn is_exhausted(&self) -> bool {
        self.max_number_of_allocations
            .is_some_and(|max| self.allocations.len() >= max as usize)
    }
}

// The request and the answers are the Consumer API's, shared with the transport client.
pub use consumer_api::relationship_templates::{
    CreateRelationshipTemplateRequest as CreateTemplateRequest,
    CreatedRelationshipTemplate as CreatedTemplate, RelationshipTemplate as TemplateDto,
};

impl From<RelationshipTemplate> for TemplateDto {
    fn from(t: RelationshipTemplate) -> Self {
        Self {
            id: t.id,
            created_by: t.created_by,
            created_by_device: t.created_by_device,
            max_number_of_allocations: t.max_number_of_allocations,
            for_identity: t.for_identity,
            expires_at: t.expires_at,
            content: t.content,
            created_at: t.created_at,
        }
    }
}

/// One entry of a list query: an id plus the password to use for it.
#[derive(Debug, Clone)]
pub struct TemplateQuery {
    pub id: String,
    pub password: Option<Bytes>,
}

impl Backbone {
    pub async fn create_template(
        &self,
        caller: &Caller,
        request: CreateTemplateRequest,
    ) -> Result<CreatedTemplate> {
        if request.content.is_empty() || request.content.len() > self.config.max_content_size {
            return Err(Error::invalid_property("content"));
        }
        if request.max_number_of_allocations == Some(0) {
            return Err(Error::invalid_property("maxNumberOfAllocations"));
        }
        let for_identity =
            check_protection(request.password.as_ref(), request.for_identity.as_deref())?;
        let template = RelationshipTemplate {
            id: RelationshipTemplateId::generate()?.to_string(),
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            max_number_of_allocations: request.max_number_of_allocations,
            for_identity,
            password: request.password,
            expires_at: request.expires_at,
            content: request.content,
            created_at: Timestamp::now(),
            allocations: Vec::new(),
        };
        let mut tx = Tx::new();
        tx.create(COLLECTION, &template)?;
        self.commit(tx).await?;
        Ok(CreatedTemplate {
            id: template.id,
            created_at: template.created_at,
        })
    }

    /// Reads a template and allocates it for the caller. Templates meant for someone else and
    /// wrong passwords look like missing templates.
    pub async fn get_template(
        &self,
        caller: &Caller,
        id: &str,
        password: Option<&Bytes>,
    ) -> Result<TemplateDto> {
        let _gate = self.gate().await;
        let mut tx = Tx::new();
        let template = self
            .allocate_template(caller, id, password, &mut tx)
            .await?;
        self.commit(tx).await?;
        Ok(template.into())
    }

    /// Reads several templates; those the caller may not read are left out, as by the Backbone.
    pub async fn list_templates(
        &self,
        caller: &Caller,
        queries: Vec<TemplateQuery>,
    ) -> Result<Vec<TemplateDto>> {
        let _gate = self.gate().await;
        let mut tx = Tx::new();
        let mut found = Vec::new();
        for query in queries {
            match self
                .allocate_template(caller, &query.id, query.password.as_ref(), &mut tx)
                .await
            {
                Ok(template) => found.push(TemplateDto::from(template)),
                Err(Error::NotFound(_) | Error::Rule { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        self.commit(tx).await?;
        Ok(found)
    }

    pub async fn delete_template(&self, caller: &Caller, id: &str) -> Result<()> {
        let _gate = self.gate().await;
        let template = self.visible_template(caller, id).await?;
        if template.created_by != caller.address {
            return Err(Error::Forbidden);
        }
        let mut tx = Tx::new();
        tx.delete(COLLECTION, id);
        self.commit(tx).await
    }

    pub(crate) async fn visible_template(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<RelationshipTemplate> {
        self.get::<RelationshipTemplate>(COLLECTION, id)
            .await?
            .filter(|t| t.visible_to(&caller.address))
            .ok_or(Error::NotFound("RelationshipTemplate"))
    }

    async fn allocate_template(
        &self,
        caller: &Caller,
        id: &str,
        password: Option<&Bytes>,
        tx: &mut Tx,
    ) -> Result<RelationshipTemplate> {
        let mut template = self.visible_template(caller, id).await?;
        if !template.password_accepted(&caller.address, password) {
            return Err(Error::NotFound("RelationshipTemplate"));
        }
        if template.created_by == caller.address || template.is_allocated_by(&caller.address) {
            return Ok(template);
        }
        if template.is_exhausted() {
            return Err(Error::rule(
                "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted",
                "The maximum number of allocations (maxNumberOfAllocations) of the template you are trying to read is exhausted.",
            ));
        }
        template.allocations.push(Allocation {
            allocated_by: caller.address.clone(),
            allocated_by_device: caller.device.clone(),
            allocated_at: Timestamp::now(),
        });
        if template.is_exhausted() {
            tx.event(
                &template.created_by,
                EventType::RelationshipTemplateAllocationsExhausted,
                json!({ "relationshipTemplateId": template.id }),
                None,
                false,
            );
        }
        tx.put(COLLECTION, &template)?;
        Ok(template)
    }

    pub(crate) async fn template_allocated_by(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<RelationshipTemplate> {
        let template = self.visible_template(caller, id).await?;
        if template.created_by != caller.address && !template.is_allocated_by(&caller.address) {
            return Err(Error::rule(
                "error.platform.validation.relationship.relationshipTemplateNotAllocated",
                "The relationship template has to be allocated before it can be used to establish a relationship. Send a GET request to the /RelationshipTemplates/{id} endpoint to allocate the template.",
            ));
        }
        Ok(template)
    }
}
