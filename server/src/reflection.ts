/**
 * gRPC server reflection v1 and v1alpha, served from the descriptors that
 * protoc-gen-es embeds in the generated code (no .proto files at run time).
 */
import type { ServiceImpl } from '@connectrpc/connect';
import { createRegistry, toBinary, type DescFile, type DescService, type MessageInitShape } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import * as v1 from './gen/grpc/reflection/v1/reflection_pb.ts';
import * as v1alpha from './gen/grpc/reflection/v1alpha/reflection_pb.ts';

type Response = MessageInitShape<typeof v1.ServerReflectionResponseSchema>;
type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;

export class Reflector {
  readonly services: string[];
  #registry;
  #files: Map<string, DescFile>;
  #encoded = new Map<string, Uint8Array>();

  constructor(services: DescService[]) {
    this.services = services.map((s) => s.typeName);
    const files = new Map<string, DescFile>();
    const add = (f: DescFile) => {
      if (files.has(f.name)) return;
      files.set(f.name, f);
      for (const dep of f.dependencies) add(dep);
    };
    for (const s of services) add(s.file);
    this.#files = files;
    this.#registry = createRegistry(...files.values());
  }

  #bytes(f: DescFile): Uint8Array {
    let b = this.#encoded.get(f.name);
    if (b === undefined) this.#encoded.set(f.name, (b = toBinary(FileDescriptorProtoSchema, f.proto)));
    return b;
  }

  /** The file and its transitive dependencies, the file first. */
  #withDeps(f: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (x: DescFile) => {
      if (seen.has(x.name)) return;
      seen.add(x.name);
      out.push(this.#bytes(x));
      for (const d of x.dependencies) visit(d);
    };
    visit(f);
    return out;
  }

  #fileOfSymbol(symbol: string): DescFile | undefined {
    const d = this.#registry.get(symbol);
    if (d !== undefined) return d.file;
    // A method "pkg.Service.Method" or a nested name: try the parent.
    const dot = symbol.lastIndexOf('.');
    if (dot > 0) {
      const parent = this.#registry.get(symbol.slice(0, dot));
      if (parent?.kind === 'service' && parent.methods.some((m) => m.name === symbol.slice(dot + 1))) return parent.file;
    }
    return undefined;
  }

  answer(req: Request): Response {
    const base = { validHost: req.host, originalRequest: req as v1.ServerReflectionRequest };
    const notFound = (msg: string): Response => ({ ...base, messageResponse: { case: 'errorResponse', value: { errorCode: 5, errorMessage: msg } } });
    const files = (f: DescFile): Response => ({ ...base, messageResponse: { case: 'fileDescriptorResponse', value: { fileDescriptorProto: this.#withDeps(f) } } });
    const m = req.messageRequest;
    switch (m.case) {
      case 'listServices':
        return { ...base, messageResponse: { case: 'listServicesResponse', value: { service: this.services.map((name) => ({ name })) } } };
      case 'fileByFilename': {
        const f = this.#files.get(m.value);
        return f === undefined ? notFound(`file "${m.value}" not found`) : files(f);
      }
      case 'fileContainingSymbol': {
        const f = this.#fileOfSymbol(m.value);
        return f === undefined ? notFound(`symbol "${m.value}" not found`) : files(f);
      }
      case 'fileContainingExtension': {
        const ext = this.#registry.getExtensionFor(
          this.#registry.getMessage(m.value.containingType) ?? ({ typeName: m.value.containingType } as never), m.value.extensionNumber,
        );
        return ext === undefined ? notFound('extension not found') : files(ext.file);
      }
      case 'allExtensionNumbersOfType': {
        const msg = this.#registry.getMessage(m.value);
        if (msg === undefined) return notFound(`type "${m.value}" not found`);
        return { ...base, messageResponse: { case: 'allExtensionNumbersResponse', value: { baseTypeName: m.value, extensionNumber: [] } } };
      }
      default:
        return { ...base, messageResponse: { case: 'errorResponse', value: { errorCode: 3, errorMessage: 'empty request' } } };
    }
  }
}

export function reflectionV1(r: Reflector): ServiceImpl<typeof v1.ServerReflection> {
  return {
    async *serverReflectionInfo(reqs) {
      for await (const req of reqs) yield r.answer(req);
    },
  };
}

export function reflectionV1alpha(r: Reflector): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(reqs) {
      for await (const req of reqs) yield r.answer(req) as MessageInitShape<typeof v1alpha.ServerReflectionResponseSchema>;
    },
  };
}
