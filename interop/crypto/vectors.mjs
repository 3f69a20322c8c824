// Crypto interoperability between the Rust `wire` crate and the official @nmshd/crypto.
//
//   node interop/crypto/vectors.mjs generate <out.json>
//       Computes fixed vectors (fixed keys, seeds, nonces) plus one full relationship
//       handshake with @nmshd/crypto and writes them as JSON. The Rust tests reproduce them.
//   node interop/crypto/vectors.mjs check <in.json>
//       Reads objects the Rust crate produced, decrypts, verifies and re-serialises them with
//       @nmshd/crypto, and prints {"checks":[{name, ok, detail?}]} on stdout.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const c = require("@nmshd/crypto");
const { IdentityUtil } = require("@nmshd/transport");
const { Reference, CoreId } = require("@nmshd/core-types");

const {
    CoreBuffer,
    CryptoCipher,
    CryptoDerivation,
    CryptoEncryption,
    CryptoExchange,
    CryptoExchangeKeypair,
    CryptoExchangePrivateKey,
    CryptoExchangePublicKey,
    CryptoExchangeSecrets,
    CryptoHash,
    CryptoPrivateStateReceive,
    CryptoPrivateStateTransmit,
    CryptoPublicState,
    CryptoRelationshipPublicRequest,
    CryptoRelationshipPublicResponse,
    CryptoRelationshipRequestSecrets,
    CryptoRelationshipSecrets,
    CryptoSecretKey,
    CryptoSignature,
    CryptoSignatureKeypair,
    CryptoSignaturePrivateKey,
    CryptoSignaturePublicKey,
    CryptoSignatures,
    SodiumWrapper
} = c;

const XCHACHA = 3;
const bytes = (start, len) => CoreBuffer.from(Array.from({ length: len }, (_, i) => (start + i) & 0xff));
const hex = (buf) => Buffer.from(buf.buffer).toString("hex");
const utf8 = (s) => CoreBuffer.fromUtf8(s);
const json = (obj) => JSON.stringify(obj.toJSON());

async function signatureKeypairFromSeed(seed) {
    const sodium = await SodiumWrapper.ready();
    const pair = sodium.crypto_sign_seed_keypair(seed.buffer);
    return CryptoSignatureKeypair.from({
        publicKey: CryptoSignaturePublicKey.from({ publicKey: CoreBuffer.from(pair.publicKey), algorithm: 3 }),
        privateKey: CryptoSignaturePrivateKey.from({ privateKey: CoreBuffer.from(pair.privateKey), algorithm: 3 })
    });
}

async function exchangeKeypairFromPrivate(privateBytes) {
    const sodium = await SodiumWrapper.ready();
    const publicBytes = sodium.crypto_scalarmult_base(privateBytes.buffer);
    return CryptoExchangeKeypair.from({
        publicKey: CryptoExchangePublicKey.from({ publicKey: CoreBuffer.from(publicBytes), algorithm: 3 }),
        privateKey: CryptoExchangePrivateKey.from({ privateKey: privateBytes, algorithm: 3 })
    });
}

async function generate() {
    const out = { library: "@nmshd/crypto@2.1.3", secretKeys: [], ciphers: [], counterCiphers: [], signatures: [], exchanges: [], kdf: [], passwords: [], hashes: [], addresses: [], references: [], ids: [] };

    for (const start of [0x00, 0x20, 0xe0]) {
        const key = CryptoSecretKey.from({ secretKey: bytes(start, 32), algorithm: XCHACHA });
        out.secretKeys.push({ keyHex: hex(key.secretKey), json: json(key), plain: key.serialize(false), base64: key.toBase64() });
    }

    const key = CryptoSecretKey.from({ secretKey: bytes(0, 32), algorithm: XCHACHA });
    for (const [plaintext, nonceStart] of [["Hello Enmeshed", 0x40], ["", 0x60], ["ä€𝄞 — unicode payload with some length to cross a block boundary: " + "x".repeat(100), 0x90]]) {
        const nonce = bytes(nonceStart, 24);
        const cipher = await CryptoEncryption.encrypt(utf8(plaintext), key, nonce);
        out.ciphers.push({ keyHex: hex(key.secretKey), nonceHex: hex(nonce), plaintext, json: json(cipher), base64: cipher.toBase64() });
    }

    const tails = [
        [0x40, null],
        [0x40, [0xff, 0xff, 0xff, 0xff]],
        [0x40, [0xff, 0x00, 0x00, 0x00]]
    ];
    for (const [start, tail] of tails) {
        const nonce = bytes(start, 24);
        if (tail) tail.forEach((b, i) => (nonce.buffer[20 + i] = b));
        for (const counter of [0, 1, 5, 256, 65536, 4294967295]) {
            const cipher = await CryptoEncryption.encryptWithCounter(utf8("counter payload"), key, nonce, counter);
            out.counterCiphers.push({ keyHex: hex(key.secretKey), baseNonceHex: hex(nonce), counter, plaintext: "counter payload", json: json(cipher) });
        }
    }

    for (const seedStart of [0x80, 0x00, 0x55]) {
        const pair = await signatureKeypairFromSeed(bytes(seedStart, 32));
        for (const [message, alg] of [["content to sign", 2], ["content to sign", 1], ["x", 2]]) {
            const sig = await CryptoSignatures.sign(utf8(message), pair.privateKey, alg);
            out.signatures.push({
                seedHex: hex(bytes(seedStart, 32)),
                message,
                alg,
                publicKey: json(pair.publicKey),
                publicKeyBase64: pair.publicKey.toBase64(),
                privateKey: json(pair.privateKey),
                keypair: json(pair),
                signature: json(sig),
                signatureBase64: sig.toBase64()
            });
        }
    }

    for (const [aStart, bStart] of [[0x10, 0xc0], [0x33, 0x01]]) {
        const a = await exchangeKeypairFromPrivate(bytes(aStart, 32));
        const b = await exchangeKeypairFromPrivate(bytes(bStart, 32));
        const requestor = await CryptoExchange.deriveRequestor(a, b.publicKey);
        const templator = await CryptoExchange.deriveTemplator(b, a.publicKey);
        out.exchanges.push({
            requestorPrivateHex: hex(a.privateKey.privateKey),
            templatorPrivateHex: hex(b.privateKey.privateKey),
            requestorKeypair: json(a),
            requestorKeypairBase64: a.toBase64(),
            templatorPublicKey: json(b.publicKey),
            requestorSecrets: json(requestor),
            templatorSecrets: json(templator)
        });
    }

    for (const [masterStart, id, context] of [[0xa0, 1, "REQTMP01"], [0xa0, 1, "RELREQ01"], [0xa0, 1, "RELTEM01"], [0x00, 0, "DataSync"], [0x00, 2147483647, "DataSync"], [0x42, 99, "SECRET01"]]) {
        const derived = await CryptoDerivation.deriveKeyFromBase(bytes(masterStart, 32), id, context);
        out.kdf.push({ masterHex: hex(bytes(masterStart, 32)), id, context, keyHex: hex(derived.secretKey), json: json(derived) });
    }

    for (const [password, saltStart] of [["password", 0x30], ["correct horse battery staple ä", 0x00]]) {
        const derived = await CryptoDerivation.deriveKeyFromPassword(utf8(password), bytes(saltStart, 16), XCHACHA, "argon2id", 3, 20 * 1024 * 1024);
        out.passwords.push({ password, saltHex: hex(bytes(saltStart, 16)), hashHex: hex(derived.secretKey), backbone: derived.secretKey.toBase64() });
    }

    for (const text of ["abc", "", "Enmeshed"]) {
        out.hashes.push({
            input: text,
            sha256Hex: hex(await CryptoHash.hash(utf8(text), 1)),
            sha512Hex: hex(await CryptoHash.hash(utf8(text), 2))
        });
    }

    for (const seedStart of [0x80, 0x00, 0x55]) {
        const pair = await signatureKeypairFromSeed(bytes(seedStart, 32));
        for (const domain of ["localhost", "enmeshed.eu", "bb-1.dev.example.org"]) {
            const address = await IdentityUtil.createAddress(pair.publicKey, domain);
            out.addresses.push({ publicKey: json(pair.publicKey), domain, address: address.toString() });
        }
    }

    const refKey = CryptoSecretKey.from({ secretKey: bytes(0, 32), algorithm: XCHACHA });
    const refCases = [
        { id: "RLTabcdefghijklmnopq" },
        { id: "TOKZyxwvutsrqpo98765", backboneBaseUrl: "https://bb.example" },
        { id: "FILAAAAAAAAAAAAAAAAA", backboneBaseUrl: "http://127.0.0.1:39385", forIdentityTruncated: "ab12" },
        { id: "RLTabcdefghijklmnopq", backboneBaseUrl: "https://bb.example", forIdentityTruncated: "ab12", passwordProtection: { passwordType: "pin4", salt: bytes(0x30, 16), passwordLocationIndicator: 1 } },
        { id: "TOKabcdefghijklmnopq", backboneBaseUrl: "https://bb.example/sub", passwordProtection: { passwordType: "pw", salt: bytes(0xf0, 16) } }
    ];
    for (const refCase of refCases) {
        const reference = Reference.from({ ...refCase, id: CoreId.from(refCase.id), key: refKey });
        out.references.push({
            ...refCase,
            passwordProtection: refCase.passwordProtection ? { ...refCase.passwordProtection, salt: hex(refCase.passwordProtection.salt) } : undefined,
            keyHex: hex(refKey.secretKey),
            truncated: reference.truncate(),
            url: refCase.backboneBaseUrl ? reference.toUrl(refCase.id.startsWith("RLT") ? "eu.enmeshed.app" : undefined) : undefined
        });
    }

    const { CoreIdHelper } = require("@nmshd/core-types");
    for (const prefix of ["MSG", "REL", "RLT", "FIL", "TOK", "TRPRTK"]) {
        out.ids.push({ prefix, id: (await new CoreIdHelper(prefix).generate()).toString() });
    }

    out.handshake = await handshake();
    return out;
}

// A full handshake with the library's own randomness, recorded so Rust can recompute every
// derived value from the recorded keys.
async function handshake() {
    const templatorIdentity = await CryptoSignatures.generateKeypair();
    const templateKeypair = await CryptoExchange.generateKeypair();
    const request = await CryptoRelationshipRequestSecrets.fromPeer(templateKeypair.publicKey, templatorIdentity.publicKey);
    const publicRequest = request.toPublicRequest();
    const requestCipher = await request.encryptRequest(utf8("creation content"));
    const templator = await CryptoRelationshipSecrets.fromRelationshipRequest(CryptoRelationshipPublicRequest.fromJSON(publicRequest.toJSON()), templateKeypair);
    const publicResponse = templator.toPublicResponse();
    const requestor = await CryptoRelationshipSecrets.fromRelationshipResponse(CryptoRelationshipPublicResponse.fromJSON(publicResponse.toJSON()), request);

    const templatorBefore = templator.serialize();
    const requestorBefore = requestor.serialize();
    const fromRequestor = [];
    for (const text of ["first", "second", "third"]) fromRequestor.push({ plaintext: text, cipher: json(await requestor.encrypt(utf8(text))) });
    const fromTemplator = [];
    for (const text of ["from templator", "again"]) fromTemplator.push({ plaintext: text, cipher: json(await templator.encrypt(utf8(text))) });
    const relationshipSignature = await requestor.sign(utf8("signed by requestor"));

    return {
        templatorIdentity: json(templatorIdentity),
        templateKeypair: json(templateKeypair),
        requestSecrets: request.serialize(),
        publicRequest: json(publicRequest),
        publicRequestBase64: publicRequest.toBase64(),
        requestCipher: json(requestCipher),
        requestPlaintext: "creation content",
        templatorSecrets: templatorBefore,
        publicResponse: json(publicResponse),
        publicResponseBase64: publicResponse.toBase64(),
        requestorSecrets: requestorBefore,
        fromRequestor,
        fromTemplator,
        templatorSecretsAfter: templator.serialize(),
        requestorSecretsAfter: requestor.serialize(),
        relationshipSignature: { message: "signed by requestor", signature: json(relationshipSignature) }
    };
}

async function check(input) {
    const checks = [];
    const record = async (name, fn) => {
        try {
            const result = await fn();
            checks.push(result === true ? { name, ok: true } : { name, ok: false, detail: String(result) });
        } catch (e) {
            checks.push({ name, ok: false, detail: `${e?.code ?? ""} ${e?.message ?? e}` });
        }
    };
    const same = (actual, expected) => (actual === expected ? true : `got ${actual}, expected ${expected}`);

    for (const [i, item] of input.ciphers.entries()) {
        await record(`cipher ${i} decrypts`, async () => {
            const key = CryptoSecretKey.fromJSON(JSON.parse(item.key));
            const cipher = CryptoCipher.fromBase64(item.cipherBase64);
            const plaintext = await CryptoEncryption.decrypt(cipher, key);
            return same(plaintext.toUtf8(), item.plaintext);
        });
        await record(`cipher ${i} re-serialises identically`, () => same(CryptoCipher.fromBase64(item.cipherBase64).toBase64(), item.cipherBase64));
        await record(`secret key ${i} re-serialises identically`, () => same(json(CryptoSecretKey.fromJSON(JSON.parse(item.key))), item.key));
    }

    for (const [i, item] of input.signatures.entries()) {
        await record(`signature ${i} verifies`, async () => {
            const key = CryptoSignaturePublicKey.fromBase64(item.publicKeyBase64);
            const sig = CryptoSignature.fromBase64(item.signatureBase64);
            return same(await CryptoSignatures.verify(utf8(item.message), sig, key), true);
        });
        await record(`signature ${i} rejects another message`, async () => {
            const key = CryptoSignaturePublicKey.fromBase64(item.publicKeyBase64);
            const sig = CryptoSignature.fromBase64(item.signatureBase64);
            return same(await CryptoSignatures.verify(utf8(item.message + "!"), sig, key), false);
        });
        await record(`signature keypair ${i} re-serialises identically`, () => same(json(CryptoSignatureKeypair.fromJSON(JSON.parse(item.keypair))), item.keypair));
        await record(`signature ${i} re-serialises identically`, () => same(CryptoSignature.fromBase64(item.signatureBase64).toBase64(), item.signatureBase64));
    }

    for (const [i, item] of input.exchanges.entries()) {
        await record(`exchange ${i} requestor secrets agree`, async () => {
            const own = CryptoExchangeKeypair.fromJSON(JSON.parse(item.requestorKeypair));
            const peer = CryptoExchangePublicKey.fromJSON(JSON.parse(item.templatorPublicKey));
            return same(json(await CryptoExchange.deriveRequestor(own, peer)), item.requestorSecrets);
        });
    }

    for (const [i, item] of input.addresses.entries()) {
        await record(`address ${i} matches`, async () => {
            const key = CryptoSignaturePublicKey.fromJSON(JSON.parse(item.publicKey));
            return same((await IdentityUtil.createAddress(key, item.domain)).toString(), item.address);
        });
    }

    for (const [i, item] of input.references.entries()) {
        await record(`reference ${i} parses`, () => {
            const ref = Reference.from(item.truncated);
            const fromUrl = item.url ? Reference.from(item.url) : ref;
            const expected = JSON.stringify(item.fields);
            const fields = (r) => JSON.stringify({
                id: r.id.toString(),
                backboneBaseUrl: r.backboneBaseUrl ?? null,
                keyHex: hex(r.key.secretKey),
                forIdentityTruncated: r.forIdentityTruncated ?? null,
                passwordType: r.passwordProtection?.passwordType ?? null,
                saltHex: r.passwordProtection ? hex(r.passwordProtection.salt) : null,
                passwordLocationIndicator: r.passwordProtection?.passwordLocationIndicator ?? null
            });
            return same(fields(ref), expected) === true ? same(fields(fromUrl), expected) : same(fields(ref), expected);
        });
        await record(`reference ${i} re-truncates identically`, () => same(Reference.from(item.truncated).truncate(), item.truncated));
    }

    const h = input.handshake;
    const templateKeypair = CryptoExchangeKeypair.fromJSON(JSON.parse(h.templateKeypair));
    const request = CryptoRelationshipRequestSecrets.deserialize(h.requestSecrets);
    await record("handshake request secrets re-serialise identically", () => same(request.serialize(), h.requestSecrets));
    await record("handshake public request matches the secrets", () => same(json(request.toPublicRequest()), h.publicRequest));
    const templatorFromRust = CryptoRelationshipSecrets.deserialize(h.templatorSecrets);
    await record("handshake templator secrets re-serialise identically", () => same(templatorFromRust.serialize(), h.templatorSecrets));
    await record("handshake templator decrypts the creation content", async () => {
        const cipher = CryptoCipher.fromBase64(h.requestCipherBase64);
        return same((await templatorFromRust.decryptRequest(cipher)).toUtf8(), h.requestPlaintext);
    });
    await record("handshake templator request key matches a fresh templator derivation", async () => {
        const fresh = await CryptoRelationshipSecrets.fromRelationshipRequest(CryptoRelationshipPublicRequest.fromBase64(h.publicRequestBase64), templateKeypair);
        return same(fresh.requestSecretKey.toBase64(), templatorFromRust.requestSecretKey.toBase64());
    });
    await record("handshake requestor secrets equal the library's derivation", async () => {
        const response = CryptoRelationshipPublicResponse.fromBase64(h.publicResponseBase64);
        const derived = await CryptoRelationshipSecrets.fromRelationshipResponse(response, request);
        return same(derived.serialize(), h.requestorSecrets);
    });
    const requestorFromRust = CryptoRelationshipSecrets.deserialize(h.requestorSecrets);
    for (const [i, m] of h.fromRequestor.entries()) {
        await record(`handshake templator decrypts requestor message ${i} in order`, async () => same((await templatorFromRust.decryptPeer(CryptoCipher.fromJSON(JSON.parse(m.cipher)), false)).toUtf8(), m.plaintext));
    }
    for (const [i, m] of h.fromTemplator.entries()) {
        await record(`handshake requestor decrypts templator message ${i}`, async () => same((await requestorFromRust.decryptPeer(CryptoCipher.fromJSON(JSON.parse(m.cipher)), true)).toUtf8(), m.plaintext));
    }
    await record("handshake relationship signature verifies with the peer key", async () =>
        same(await templatorFromRust.verifyPeer(utf8(h.relationshipSignature.message), CryptoSignature.fromJSON(JSON.parse(h.relationshipSignature.signature))), true)
    );
    await record("handshake templator counter after in-order decryption", () => same(templatorFromRust.receiveState.counter, h.fromRequestor.length));
    return { checks };
}

await SodiumWrapper.ready();
const [mode, path] = process.argv.slice(2);
if (mode === "generate" && path) {
    writeFileSync(path, JSON.stringify(await generate(), null, 2) + "\n");
} else if (mode === "check" && path) {
    process.stdout.write(JSON.stringify(await check(JSON.parse(readFileSync(path, "utf8")))) + "\n");
} else {
    process.stderr.write("usage: node interop/crypto/vectors.mjs generate|check <file.json>\n");
    process.exit(2);
}
