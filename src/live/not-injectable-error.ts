/**
 * A fault `inject` was asked for that cannot be made in this workspace: a table or file it is made
 * in is missing, or there is no second spec folder to misroute a memory to. Thrown before anything
 * is changed (LiveClass.checkInjectable).
 */
export class NotInjectableError extends Error {
  override readonly name = 'NotInjectableError';
}
