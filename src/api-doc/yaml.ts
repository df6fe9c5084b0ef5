import { stringify } from 'yaml'

/**
 * The document as YAML that YAML 1.1 readers (PyYAML, SnakeYAML, yaml.v2) and 1.2 readers read
 * alike: written with the 1.1 schema, every string a 1.1 reader would take for a number, boolean,
 * date or null (16:9 is base-60 969 there) is quoted, and quoted strings are strings in 1.2 too.
 * No anchors or aliases: some generators do not resolve them.
 */
export function toPortableYaml (doc: unknown): string {
  return stringify(doc, { version: '1.1', aliasDuplicateObjects: false, lineWidth: 100 })
}
