// OpenSSL's subject-name hash of an X.509 certificate, for CApath folders (`<hash>.<n>` links):
// stacks write them into run images, the ca-certificates buildpack into its layer. Written here
// because no maintained JavaScript library computes OpenSSL's canonical name encoding; the DER
// walk is a few lines over node's own SHA-1, no cryptography of our own.
export { canonicalName, subjectHash, subjectOf } from "./subject-hash.js";
