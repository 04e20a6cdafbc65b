/**
 * What we authenticate with. A username/password pair; or an identity token (an OAuth2
 * refresh token, as `docker login` stores for some registries); or a registry token sent as is.
 */
export interface Credentials {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Finds credentials for a registry (and repository, for per-repository entries). */
export interface Keychain {
  resolve(registry: string, repository?: string): Promise<Credentials | undefined>;
}
