/**
 * The part of ONNX's protobuf schema (onnx.proto, IR version 8) that tts-edge reads and
 * writes, as a protobufjs descriptor: enough to read a model's metadata and its graph's
 * input and output names without decoding its weights, and to write small models for the
 * tests. Field numbers are onnx.proto's; fields not named here are skipped when reading.
 */
import protobuf from 'protobufjs'

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const

const valueInfo = {
  fields: {
    name: { type: 'string', id: 1 },
    type: { type: 'TypeProto', id: 2 },
  },
}

const typeProto = {
  fields: { tensorType: { type: 'Tensor', id: 1 } },
  nested: {
    Tensor: {
      fields: {
        elemType: { type: 'int32', id: 1 },
        shape: { type: 'TensorShapeProto', id: 2 },
      },
    },
  },
}

const tensorShape = {
  fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
  nested: {
    Dimension: {
      oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
      fields: {
        dimValue: { type: 'int64', id: 1 },
        dimParam: { type: 'string', id: 2 },
      },
    },
  },
}

const entry = { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } }
const opset = { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } }

/** Everything a writer needs. */
const full = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
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
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
          },
        },
        ValueInfoProto: valueInfo,
        TypeProto: typeProto,
        TensorShapeProto: tensorShape,
        StringStringEntryProto: entry,
        OperatorSetIdProto: opset,
      },
    },
  },
}

/**
 * What a reader needs: the graph without nodes and initializers, so reading a 60 MB
 * model's header skips its weights instead of decoding them.
 */
const header = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        ValueInfoProto: valueInfo,
        TypeProto: typeProto,
        TensorShapeProto: tensorShape,
        StringStringEntryProto: entry,
        OperatorSetIdProto: opset,
      },
    },
  },
}

/** `onnx.ModelProto` with every field the writer uses. */
export const ModelProto = protobuf.Root.fromJSON(full).lookupType('onnx.ModelProto')
/** `onnx.ModelProto` reduced to metadata, opsets and graph inputs/outputs. */
export const ModelHeaderProto = protobuf.Root.fromJSON(header).lookupType('onnx.ModelProto')
