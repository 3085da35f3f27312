// Central's answers in the reader's language. Central answers an error with
// `{"error": {"code", "message"}}`, the code from the one table
// (common/errors.ts) and the message in English; the pages (console,
// /reports, /map) show their own text for the code and use central's message
// only for a code this catalogue does not know yet (a newer server). A test
// walks the table and fails on a code without both texts here. The same for
// the few things central writes in English into records the console shows
// (an alarm's "work order WO-1 created" comment) and the reasons a signature
// check fails (central/documents/verify.ts).

/** Text per error code: [Russian, English]. */
// biome-ignore format: one entry a line
export const ERROR_TEXT = {
  BAD_REQUEST: ["Неверный запрос", "The request is malformed"],
  VALIDATION_FAILED: ["Данные запроса не соответствуют схеме", "The request does not match the schema"],
  INVALID_TIMESTAMP: ["Время вне допустимого диапазона", "A timestamp is outside the accepted range"],
  INVALID_NUMBER: ["Значение не является конечным числом", "A value is not a finite number"],
  UNKNOWN_ASSET: ["Объект неизвестен или недоступен", "The asset is unknown or not yours to write"],
  UNKNOWN_POINT: ["У объекта нет такой точки измерения", "The asset has no such measuring point"],
  UNKNOWN_FIELD: ["У измерения нет такого параметра", "The measurement has no such field"],
  UNKNOWN_FAULT: ["Неизвестный диагноз", "An unknown diagnosis"],
  UNKNOWN_TAG: ["Неизвестный признак (тег)", "An unknown tag"],
  SERIES_LIMIT: ["Площадка достигла предела числа рядов", "The site reached its cap of series"],
  BATCH_TOO_LARGE: ["Пакет больше допустимого", "The batch exceeds the size limit"],
  PAYLOAD_TOO_LARGE: ["Запрос больше допустимого", "The request exceeds the size limit"],
  UNSUPPORTED_ENCODING: ["Кодировка не поддерживается", "The content encoding is not supported"],
  UNAUTHENTICATED: ["Нужен действующий токен", "A valid token is required"],
  FORBIDDEN: ["Этому токену это не разрешено", "This token may not do this"],
  NOT_FOUND: ["Не найдено", "Not found"],
  CONFLICT: ["Изменение противоречит текущему состоянию: обновите страницу", "The change conflicts with the current state: reload the page"],
  RATE_LIMITED: ["Слишком много запросов, повторите позже", "Too many requests, try again later"],
  STORE_UNAVAILABLE: ["Хранилище данных недоступно", "A data store is unavailable"],
  STORE_REJECTED: ["Хранилище рядов отклонило запись", "The time-series store rejected the write"],
  STORE_REFUSED_BATCH: ["Хранилище рядов не приняло пакет", "The time-series store refused the batch"],
  STORAGE_FULL: ["Диск сервера заполнен: ничего не сохранено, повторите позже", "The server's disk is full: nothing was stored, try again later"],
  QUERY_FAILED: ["Запрос к хранилищу рядов не выполнен", "The time-series query failed"],
  INTERNAL: ["Внутренняя ошибка сервера", "Internal server error"],
  SOURCE_TIMEOUT: ["Устройство не ответило вовремя", "The device did not answer in time"],
  SOURCE_EXCEPTION: ["Устройство ответило исключением", "The device answered with an exception"],
  SOURCE_BAD_FRAME: ["Устройство ответило искажённым кадром", "The device answered with a malformed frame"],
  SOURCE_DISCONNECTED: ["Нет связи с устройством", "The device connection is down"],
  UPLINK_UNREACHABLE: ["Центральный сервер недоступен", "Central could not be reached"],
  UPLINK_REJECTED: ["Центральный сервер отклонил пакет", "Central rejected the batch"],
  QUEUE_FULL: ["Очередь на диске заполнена", "The disk queue is full"],
  CONFIG_INVALID: ["Ошибка в конфигурации", "The configuration is invalid"],
  SOURCE_CERT_UNTRUSTED: ["Сертификат устройства не доверенный (скопируйте его в папку доверенных PKI)", "The device's certificate is not trusted (copy it into the PKI trusted folder)"],
  SOURCE_CERT_REJECTED: ["Устройство отклонило сертификат агента", "The device refused the agent's certificate"],
  SOURCE_NODE_UNKNOWN: ["Настроенного узла нет на устройстве", "A configured node does not exist on the device"],
  GRID_INVALID_FEATURES: ["Часть объектов набора точек подключения неверна; ничего не изменено", "Some features of the connection-point set are invalid; nothing was changed"],
  DELIVERY_UNREACHABLE: ["Получатель уведомлений недоступен", "The notification receiver could not be reached"],
  DELIVERY_REJECTED: ["Получатель отклонил уведомление", "The notification receiver refused the message"],
  SIGNER_FAILED: ["Подпись организации не сформирована", "The organisation's signer did not produce a valid signature"],
  RECEIVER_NOT_ALLOWED: ["Адрес получателя не публичный (внутренние получатели разрешаются списком notifications.webhookAllowList)", "The receiver's address is not public (notifications.webhookAllowList admits on-premises receivers)"],
};

/** Why a signature check failed, per code of central/documents/verify.ts: [Russian, English]. */
// biome-ignore format: one entry a line
export const VERIFY_TEXT = {
  CONTENT_CHANGED: ["документ изменён после подписи", "the document was changed after signing"],
  BAD_SIGNATURE: ["подпись не сходится", "the signature does not verify"],
  WRONG_CERTIFICATE: ["подпись сделана не этим сертификатом", "the signature was not made with this certificate"],
  EXPIRED: ["сертификат не действовал в момент подписи", "a certificate was not valid at the signing time"],
  UNTRUSTED: ["сертификат не от доверенного центра", "the certificate is not from a trusted authority"],
  KEY_USAGE: ["сертификат не предназначен для подписи", "the certificate is not meant for signing"],
  UNSUPPORTED: ["формат подписи не поддерживается", "the signature's format is not supported"],
  NOT_COVERED: ["после последней подписи в файл добавлены данные, никем не подписанные", "bytes were added after the last signature and nobody signed them"],
};

/**
 * What central writes in English into records the console shows, and its
 * text in each language. Each pattern matches the whole of central's text
 * (central/plugins/work-orders.ts); identifiers in it carry over.
 * @type {{ pattern: RegExp, text: (m: RegExpExecArray) => [string, string] }[]}
 */
export const SERVER_NOTES = [
  {
    pattern: /^work order (\S+) created$/,
    text: (m) => [`создан наряд ${m[1]}`, `work order ${m[1]} created`],
  },
];

/**
 * Codes whose message is the detail the reader acts on (which key, which
 * limit: `value: 40 is outside setpoint's range 16…26 °C`): the detail
 * follows the code's text, as central wrote it (key paths and figures are
 * not translated). Other codes' messages are English sentences: the page
 * shows its own text, central's in the error's tooltip.
 */
export const DETAILED_CODES = new Set(["VALIDATION_FAILED", "CONFIG_INVALID", "GRID_INVALID_FEATURES"]);

const pick = (/** @type {readonly string[]} */ pair, /** @type {string} */ lang) =>
  pair[lang === "en" ? 1 : 0];

/**
 * An error answer's text in `lang`: the catalogue's text for its code, with
 * the quoted identifiers of central's message (`No asset "T04"` → «T04») so
 * the reader still sees what was not found, or for a DETAILED_CODES code
 * with central's detail after it; central's message as it is when the code
 * is not in the catalogue.
 * @param {string | undefined} code @param {string} lang @param {string} [message]
 */
export function errorText(code, lang, message) {
  const pair = code ? ERROR_TEXT[/** @type {keyof typeof ERROR_TEXT} */ (code)] : undefined;
  if (!pair) return message ?? code ?? "";
  if (code && DETAILED_CODES.has(code) && message && message !== pair[1])
    return `${pick(pair, lang)} (${message.length > 300 ? `${message.slice(0, 300)}…` : message})`;
  const quoted = [...(message ?? "").matchAll(/"([^"\n]{1,80})"/g)].map((m) => m[1]);
  const [open, close] = lang === "en" ? ["“", "”"] : ["«", "»"];
  return quoted.length === 0
    ? pick(pair, lang)
    : `${pick(pair, lang)}: ${quoted.map((q) => `${open}${q}${close}`).join(", ")}`;
}

/**
 * The text of an error answer's body (`{"error": {...}}`), or null when the
 * body is not one.
 * @param {unknown} body @param {string} lang
 */
export function errorBodyText(body, lang) {
  const error = /** @type {{error?: {code?: string, message?: string}} | null} */ (body)?.error;
  return error && typeof error === "object" ? errorText(error.code, lang, error.message) : null;
}

/** A signature check's failure in `lang`; central's reason when the code is new. */
export const verifyText = (
  /** @type {string | undefined} */ code,
  /** @type {string} */ lang,
  reason = "",
) => {
  const pair = code ? VERIFY_TEXT[/** @type {keyof typeof VERIFY_TEXT} */ (code)] : undefined;
  return pair ? pick(pair, lang) : reason;
};

/** A note central wrote in English, in `lang` when the catalogue knows it; else as written. */
export function serverNote(/** @type {string} */ text, /** @type {string} */ lang) {
  for (const note of SERVER_NOTES) {
    const m = note.pattern.exec(text);
    if (m) return pick(note.text(m), lang);
  }
  return text;
}
