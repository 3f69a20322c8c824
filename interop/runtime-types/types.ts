//! What the checker assigns samples to, besides the exports of `@nmshd/runtime-types` 7.0.0:
//! the wire view of a runtime type (`Wire`) and the results of routes whose types the runtime
//! declares next to its use cases instead of exporting them from `@nmshd/runtime-types`.

/**
 * A runtime type as it looks in JSON.
 *
 * The runtime types declare statuses as TypeScript string enums (`RelationshipStatus`,
 * `IdentityDeletionProcessStatus`, ...). On the wire they are plain strings, but TypeScript
 * refuses the literal `"Active"` where the enum `RelationshipStatus` is expected: a limit of
 * the type system, not a drift. `Wire<T>` turns each enum into the union of its string values
 * (`${E}`) and leaves everything else as it is: optional markers, literal types such as
 * `passwordIsPin?: true`, and object types, so excess-property checks still refuse extra keys.
 */
export type Wire<T> = 0 extends 1 & T
    ? T // any stays any (TokenDTO.content is `any` in the official type)
    : unknown extends T
      ? T // unknown stays unknown (the `value` of Arbitrary*Content)
      : T extends string
        ? string extends T
            ? string
            : `${T}`
        : T extends readonly (infer U)[]
          ? Wire<U>[]
          : T extends object
            ? { [K in keyof T]: Wire<T[K]> }
            : T;

/** `GET /Account/IdentityInfo`: the runtime's `GetIdentityInfoResponse`. */
export interface IdentityInfo {
    address: string;
    publicKey: string;
}

/** `GET /Account/SyncInfo`: the runtime's `SyncInfo`. */
export interface SyncInfo {
    lastDatawalletSync?: { completedAt: string };
    lastSyncRun?: { completedAt: string };
}

/** `POST /Challenges/Validate`: the runtime's `ValidateChallengeResponse`. */
export interface ValidateChallengeResponse {
    isValid: boolean;
    correspondingRelationship?: import("@nmshd/runtime-types").RelationshipDTO;
}

/** `PUT /Relationships/CanCreate`: the runtime's `CanCreateRelationshipResponse`. */
export type CanCreateRelationshipResponse = { isSuccess: true } | { isSuccess: false; code: string; message: string };
