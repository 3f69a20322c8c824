//! The runtime's event names, one list for transport (which emits them), the module host
//! (which routes them) and the module SDK (which module authors match on).

pub const MESSAGE_RECEIVED: &str = "transport.messageReceived";
pub const MESSAGE_SENT: &str = "transport.messageSent";
pub const MESSAGE_DELIVERED: &str = "transport.messageDelivered";
pub const MESSAGE_WAS_READ_AT_CHANGED: &str = "transport.messageWasReadAtChanged";
pub const RELATIONSHIP_CHANGED: &str = "transport.relationshipChanged";
pub const RELATIONSHIP_REACTIVATION_REQUESTED: &str = "transport.relationshipReactivationRequested";
pub const RELATIONSHIP_REACTIVATION_COMPLETED: &str = "transport.relationshipReactivationCompleted";
pub const RELATIONSHIP_DECOMPOSED_BY_SELF: &str = "transport.relationshipDecomposedBySelf";
pub const PEER_RELATIONSHIP_TEMPLATE_LOADED: &str = "transport.peerRelationshipTemplateLoaded";
pub const RELATIONSHIP_TEMPLATE_ALLOCATIONS_EXHAUSTED: &str =
    "transport.relationshipTemplateAllocationsExhausted";
pub const PEER_TO_BE_DELETED: &str = "transport.peerToBeDeleted";
pub const PEER_DELETION_CANCELLED: &str = "transport.peerDeletionCancelled";
pub const PEER_DELETED: &str = "transport.peerDeleted";
pub const IDENTITY_DELETION_PROCESS_STATUS_CHANGED: &str =
    "transport.identityDeletionProcessStatusChanged";
pub const FILE_OWNERSHIP_CLAIMED: &str = "transport.fileOwnershipClaimed";
pub const FILE_OWNERSHIP_LOCKED: &str = "transport.fileOwnershipLocked";
pub const DATAWALLET_SYNCHRONIZED: &str = "transport.datawalletSynchronized";
pub const ATTRIBUTE_CREATED: &str = "consumption.attributeCreated";
pub const ATTRIBUTE_DELETED: &str = "consumption.attributeDeleted";
pub const ATTRIBUTE_SUCCEEDED: &str = "consumption.attributeSucceeded";
pub const OWN_ATTRIBUTE_DELETED_BY_OWNER: &str = "consumption.ownAttributeDeletedByOwner";
pub const PEER_RELATIONSHIP_ATTRIBUTE_DELETED_BY_PEER: &str =
    "consumption.peerRelationshipAttributeDeletedByPeer";
pub const FORWARDED_ATTRIBUTE_DELETED_BY_PEER: &str = "consumption.forwardedAttributeDeletedByPeer";
pub const INCOMING_REQUEST_RECEIVED: &str = "consumption.incomingRequestReceived";
pub const INCOMING_REQUEST_STATUS_CHANGED: &str = "consumption.incomingRequestStatusChanged";
pub const OUTGOING_REQUEST_CREATED: &str = "consumption.outgoingRequestCreated";
pub const OUTGOING_REQUEST_CREATED_AND_COMPLETED: &str =
    "consumption.outgoingRequestCreatedAndCompleted";
pub const OUTGOING_REQUEST_STATUS_CHANGED: &str = "consumption.outgoingRequestStatusChanged";
pub const MESSAGE_PROCESSED: &str = "consumption.messageProcessed";
pub const RELATIONSHIP_TEMPLATE_PROCESSED: &str = "consumption.relationshipTemplateProcessed";
pub const OUTGOING_REQUEST_FROM_RELATIONSHIP_CREATION_CREATED_AND_COMPLETED: &str =
    "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted";
pub const ATTRIBUTE_FORWARDING_DETAILS_CHANGED: &str =
    "consumption.attributeForwardingDetailsChanged";
