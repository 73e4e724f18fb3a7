// One-node ONNX models built in JS with protobufjs (no hand-written wire encoder): the subset of
// onnx.proto (github.com/onnx/onnx/blob/main/onnx/onnx.proto, field numbers as there) that a
// graph of one node with initializers needs.

import protobuf from 'protobufjs';

const ONNX_SUBSET = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensor_type: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, UINT8: 2, INT32: 6 } as const;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

export interface ValueInfo {
  name: string;
  elemType: number;
  /** numbers, or names for symbolic dims */
  dims: Array<number | string>;
}

export interface Initializer {
  name: string;
  dataType: number;
  dims: number[];
  data: Uint8Array;
}

export interface OneNodeModel {
  opType: string;
  /** '' for the default ONNX domain, 'com.microsoft' for contrib ops. */
  domain: string;
  /** Node input names in order; '' leaves an optional input out. */
  nodeInputs: string[];
  nodeOutputs: string[];
  attributes: Record<string, { int: number } | { float: number }>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Initializer[];
  opset?: number;
}

const root = protobuf.Root.fromJSON(ONNX_SUBSET);
const ModelProto = root.lookupType('onnx.ModelProto');

const valueInfo = (v: ValueInfo) => ({
  name: v.name,
  type: { tensor_type: { elem_type: v.elemType, shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

/** Serialized ModelProto bytes for InferenceSession.create(). */
export function buildOneNodeModel(m: OneNodeModel): Uint8Array {
  const opset = [{ domain: '', version: m.opset ?? 17 }];
  if (m.domain) opset.push({ domain: m.domain, version: 1 });
  const msg = {
    ir_version: 8,
    producer_name: 'jalapeno-bench',
    opset_import: opset,
    graph: {
      name: `${m.opType}-bench`,
      node: [{
        input: m.nodeInputs,
        output: m.nodeOutputs,
        name: m.opType,
        op_type: m.opType,
        domain: m.domain,
        attribute: Object.entries(m.attributes).map(([name, a]) => ('int' in a ? { name, i: a.int, type: ATTR_INT } : { name, f: a.float, type: ATTR_FLOAT })),
      }],
      initializer: (m.initializers ?? []).map((t) => ({ name: t.name, data_type: t.dataType, dims: t.dims, raw_data: t.data })),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  };
  const err = ModelProto.verify(msg);
  if (err) throw new Error(`ONNX model for ${m.opType} is malformed: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(msg)).finish();
}

/** Decodes a model (tests: round-trip the builder through the same schema). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array, defaults: false }) as Record<string, unknown>;
}
