/** Lists every service and method the server exposes, via gRPC server reflection. */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createFileRegistry, fromBinary, type DescMethod } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { ServerReflection } from '../../../server/src/gen/grpc/reflection/v1/reflection_pb.ts';

export async function discoverMethods(baseUrl: string, token?: string): Promise<DescMethod[]> {
  const transport = createGrpcTransport({
    baseUrl,
    interceptors: token === undefined ? [] : [(next) => (req) => (req.header.set('authorization', `Bearer ${token}`), next(req))],
  });
  const client = createClient(ServerReflection, transport);
  const ask = async (req: Parameters<typeof client.serverReflectionInfo>[0] extends AsyncIterable<infer R> ? R : never) => {
    for await (const res of client.serverReflectionInfo((async function* () { yield req; })())) return res;
    throw new Error('reflection: no answer');
  };
  const list = await ask({ messageRequest: { case: 'listServices', value: '' } });
  if (list.messageResponse.case !== 'listServicesResponse') throw new Error('reflection: listServices failed');
  const names = list.messageResponse.value.service.map((s) => s.name);
  const files = new Map<string, FileDescriptorProto>();
  const root = new Map<string, string>();
  for (const name of names) {
    const r = await ask({ messageRequest: { case: 'fileContainingSymbol', value: name } });
    if (r.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`reflection: no file for ${name}`);
    for (const [i, b] of r.messageResponse.value.fileDescriptorProto.entries()) {
      const f = fromBinary(FileDescriptorProtoSchema, b);
      files.set(f.name, f);
      if (i === 0) root.set(name, f.name);
    }
  }
  const methods: DescMethod[] = [];
  for (const name of names) {
    const reg = createFileRegistry(files.get(root.get(name) as string) as FileDescriptorProto, (n) => files.get(n));
    const s = reg.getService(name);
    if (s === undefined) throw new Error(`reflection: service ${name} not in descriptors`);
    methods.push(...s.methods);
  }
  return methods;
}
