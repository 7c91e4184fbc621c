// The RDS Query API answers in XML: <ActionResponse><ActionResult>…</ActionResult>…, lists as
// named members (<DBSnapshot>, <Tag>), errors as <ErrorResponse><Error>…</Error>.
export type XmlValue =
  | string
  | number
  | boolean
  | undefined
  | XmlValue[]
  | { [key: string]: XmlValue }
  | { $list: string; items: XmlValue[] };

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function list(member: string, items: XmlValue[]): XmlValue {
  return { $list: member, items };
}

export function toXml(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && '$list' in value) {
    const listed = value as { $list: string; items: XmlValue[] };
    return `<${name}>${listed.items.map((item) => toXml(listed.$list, item)).join('')}</${name}>`;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return `<${name}>${Object.entries(value)
      .map(([key, item]) => toXml(key, item))
      .join('')}</${name}>`;
  }
  return `<${name}>${escape(String(value))}</${name}>`;
}

const NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>';

export function response(action: string, result: Record<string, XmlValue>, requestId: string): string {
  const metadata = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
  return `${PROLOG}<${action}Response xmlns="${NS}">${toXml(`${action}Result`, result)}${metadata}</${action}Response>`;
}

export function errorResponse(
  code: string,
  message: string,
  requestId: string,
  type: 'Sender' | 'Receiver' = 'Sender',
): string {
  const error = `<Error><Type>${type}</Type><Code>${escape(code)}</Code><Message>${escape(message)}</Message></Error>`;
  return `${PROLOG}<ErrorResponse xmlns="${NS}">${error}<RequestId>${requestId}</RequestId></ErrorResponse>`;
}
