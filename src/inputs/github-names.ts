/** GitHub's names of accounts (users and organisations) and repositories. */

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export const OWNER_EXPECTED = 'a GitHub organisation name (letters, digits and hyphens, at most 39 characters)';
export const REPO_NAME_EXPECTED = 'a repository name (letters, digits, ., _ and -, at most 100 characters; not owner/name)';

export function isOwnerName(value: string): boolean {
  return OWNER.test(value);
}

export function isRepoName(value: string): boolean {
  return REPO.test(value) && value !== '.' && value !== '..';
}

/** `owner/name`, or undefined when it is not one. */
export function parseRepository(value: string): { owner: string; repo: string } | undefined {
  const slash = value.indexOf('/');
  const owner = value.slice(0, slash);
  const repo = value.slice(slash + 1);
  return slash > 0 && isOwnerName(owner) && isRepoName(repo) ? { owner, repo } : undefined;
}
