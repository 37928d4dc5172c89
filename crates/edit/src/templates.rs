//! Starting points for a new product or contract: valid against the official schemas, with the fields
//! governance policies ask for left for the owner to fill in.

use crate::store::DraftKind;

/// The template text with `id` filled in.
pub fn template(kind: DraftKind, id: &str) -> String {
    let text = match kind {
        DraftKind::Product => PRODUCT,
        DraftKind::Contract => CONTRACT,
    };
    text.replace("{id}", id)
}

const PRODUCT: &str = "\
apiVersion: v1.0.0
kind: DataProduct
id: {id}
name: {id}
version: 0.1.0
status: draft
domain: change-me
description:
  purpose: What this product is for and who should use it.
  limitations: Known gaps and caveats.
  usage: How to consume it.
customProperties:
  - property: classification
    value: internal
  - property: retention
    value: 1 year
outputPorts:
  - name: main
    version: 0.1.0
    contractId: {id}-contract
support:
  - channel: \"#change-me\"
    tool: slack
    url: https://chat.example.com/change-me
team:
  name: Change me
  members:
    - username: owner@example.com
      role: owner
";

const CONTRACT: &str = "\
apiVersion: v3.1.0
kind: DataContract
id: {id}
name: {id}
version: 0.1.0
status: draft
domain: change-me
description:
  purpose: What the data describes.
schema:
  - name: main_table
    physicalType: table
    description: One row per thing.
    properties:
      - name: id
        logicalType: string
        required: true
        primaryKey: true
        description: Identifier.
slaProperties:
  - property: retention
    value: 1
    unit: y
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_valid_documents() {
        for (kind, path) in [
            (DraftKind::Product, "t.odps.yaml"),
            (DraftKind::Contract, "t.odcs.yaml"),
        ] {
            let text = template(kind, "sales-new");
            let doc = meshlens_model::parse_document(path, text.as_bytes())
                .unwrap_or_else(|e| panic!("{kind:?} template invalid: {e}: {:?}", e.issues()));
            assert_eq!(doc.entity.id(), "sales-new");
        }
    }
}
