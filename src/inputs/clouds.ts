/**
 * Microsoft's clouds: where to sign in, where Graph is, what audience GitHub ID tokens carry for them, and where
 * their Key Vaults live. The README's "Clouds" table is this table (a test holds them together).
 *
 * Sources: Microsoft Graph's national cloud deployments (Graph roots and Entra endpoints; US Government L4 and
 * L5 (DoD) share the sign-in host but not the Graph host), the workload identity federation docs (one token
 * exchange audience per cloud) and Key Vault's DNS suffixes per cloud.
 */
export interface CloudEndpoints {
  /** Entra ID's sign-in host (the authority host). */
  authorityHost: string;
  /** Microsoft Graph's root; requests go to `${graphEndpoint}/v1.0/…` and tokens are for `${graphEndpoint}/.default`. */
  graphEndpoint: string;
  /** The audience Entra expects in a GitHub ID token exchanged for a token of this cloud (`aud`, and federated credentials' `audiences`). */
  federatedAudience: string;
  /** The DNS suffix of this cloud's Key Vaults (`https://<vault>.<suffix>`). */
  keyVaultSuffix: string;
  /** What the cloud is, for people. */
  about: string;
}

export const CLOUDS = {
  AzureCloud: {
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
    federatedAudience: 'api://AzureADTokenExchange',
    keyVaultSuffix: 'vault.azure.net',
    about: 'the global service',
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
    federatedAudience: 'api://AzureADTokenExchangeUSGov',
    keyVaultSuffix: 'vault.usgovcloudapi.net',
    about: 'US Government L4 (GCC High)',
  },
  AzureUSGovernmentDoD: {
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
    federatedAudience: 'api://AzureADTokenExchangeUSGov',
    keyVaultSuffix: 'vault.usgovcloudapi.net',
    about: 'US Government L5 (DoD)',
  },
  AzureChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
    federatedAudience: 'api://AzureADTokenExchangeChina',
    keyVaultSuffix: 'vault.azure.cn',
    about: 'China, operated by 21Vianet',
  },
} as const satisfies Record<string, CloudEndpoints>;

export type Cloud = keyof typeof CLOUDS;

export const CLOUD_NAMES = Object.keys(CLOUDS) as Cloud[];

/** The hosts of Microsoft's sign-in services (MSAL has instance metadata built in for these). */
export const MICROSOFT_AUTHORITY_HOSTS: ReadonlySet<string> = new Set(Object.values(CLOUDS).map((c) => new URL(c.authorityHost).host));
