import pLimit, { type LimitFunction } from 'p-limit';

/** Runs a request inside the account's cap on requests in flight. */
export type AccountLimit = <T>(account: string | undefined, task: () => Promise<T>) => Promise<T>;

/** A cap of `perAccount` requests in flight for each account; a request of no account is not capped. */
export function accountLimiter(perAccount: number): AccountLimit {
  const accounts = new Map<string, LimitFunction>();
  return (account, task) => {
    if (!account) return task();
    let limit = accounts.get(account);
    if (!limit) {
      limit = pLimit(perAccount);
      accounts.set(account, limit);
    }
    return limit(task);
  };
}
