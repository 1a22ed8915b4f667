/** A @grpc/grpc-js client built from protobuf-es service descriptors (a client we did not write). */
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescService } from '@bufbuild/protobuf';

export function grpcJsClient(service: DescService, addr: string, options: grpc.ClientOptions = {}): grpc.Client & { [m: string]: Function } {
  const def: { [name: string]: grpc.MethodDefinition<object, object> } = {};
  for (const m of service.methods) {
    def[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming',
      responseStream: m.methodKind === 'server_streaming' || m.methodKind === 'bidi_streaming',
      requestSerialize: (v: object) => Buffer.from(toBinary(m.input, create(m.input, v as never))),
      requestDeserialize: (b: Buffer) => fromBinary(m.input, b),
      responseSerialize: (v: object) => Buffer.from(toBinary(m.output, create(m.output, v as never))),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(def as grpc.ServiceDefinition, service.name);
  return new Ctor(addr, grpc.credentials.createInsecure(), options) as never;
}

export function unary<T>(client: { [m: string]: Function }, method: string, req: object, md = new grpc.Metadata()): Promise<T> {
  return new Promise((resolve, reject) => {
    (client[method] as Function).call(client, req, md, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  });
}
