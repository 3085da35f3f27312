// Types of server-texts.js for the TypeScript side (its completeness test).
export const ERROR_TEXT: Record<string, readonly [string, string]>;
export const VERIFY_TEXT: Record<string, readonly [string, string]>;
export const DETAILED_CODES: Set<string>;
export const SERVER_NOTES: { pattern: RegExp; text: (m: RegExpExecArray) => [string, string] }[];
export function errorText(code: string | undefined, lang: string, message?: string): string;
export function errorBodyText(body: unknown, lang: string): string | null;
export function verifyText(code: string | undefined, lang: string, reason?: string): string;
export function serverNote(text: string, lang: string): string;
