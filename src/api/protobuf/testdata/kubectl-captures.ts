// Request bodies captured from the real kubectl binaries against a logging stub server (2026-11):
// `protobuf` is what kubectl 1.32/1.33 sent (Content-Type application/vnd.kubernetes.protobuf, base64
// here), `json` what kubectl 1.31.9 sent for the same command (Content-Type application/json).
// `randomName`: kubectl picked a random name suffix, so metadata.name differs between the two.

export interface Capture {
  command: string;
  kubectl: string;
  /** method and URL of the request */
  request: string;
  protobuf: string;
  json: string;
  randomName: boolean;
}

export const captures: Capture[] = [
  {
    command: "kubectl create namespace foo",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf: "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDZm9vEgAaACIAKgAyADgAQgASABoCCgAaACIA",
    json: '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"foo","creationTimestamp":null},"spec":{},"status":{}}',
    randomName: false,
  },
  {
    command: "kubectl create namespace foo",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf: "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDZm9vEgAaACIAKgAyADgAQgASABoCCgAaACIA",
    json: '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"foo","creationTimestamp":null},"spec":{},"status":{}}',
    randomName: false,
  },
  {
    command:
      "kubectl create configmap cm --from-literal=a=b --from-literal=c=d --from-file=bin=bin.dat --from-file=text.txt",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEoEBChIKAmNtEgAaACIAKgAyADgAQgASBgoBYRIBYhIGCgFjEgFkEhIKCHRleHQudHh0EgZoZWxsbwoaRwoDYmluEkBnWcgYm9Iw221mqfKv+HyLrBYCDeAmDLjHMTDHLO0L6avjfrwZPE7P1KLp/kMD6UX+1/7mWqfI64fEQBqtAqDPGgAiAA==",
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm","creationTimestamp":null},"data":{"a":"b","c":"d","text.txt":"hello\\n"},"binaryData":{"bin":"Z1nIGJvSMNttZqnyr/h8i6wWAg3gJgy4xzEwxyztC+mr4368GTxOz9Si6f5DA+lF/tf+5lqnyOuHxEAarQKgzw=="}}',
    randomName: false,
  },
  {
    command:
      "kubectl create configmap cm --from-literal=a=b --from-literal=c=d --from-file=bin=bin.dat --from-file=text.txt",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEoEBChIKAmNtEgAaACIAKgAyADgAQgASBgoBYRIBYhIGCgFjEgFkEhIKCHRleHQudHh0EgZoZWxsbwoaRwoDYmluEkBnWcgYm9Iw221mqfKv+HyLrBYCDeAmDLjHMTDHLO0L6avjfrwZPE7P1KLp/kMD6UX+1/7mWqfI64fEQBqtAqDPGgAiAA==",
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"cm","creationTimestamp":null},"data":{"a":"b","c":"d","text.txt":"hello\\n"},"binaryData":{"bin":"Z1nIGJvSMNttZqnyr/h8i6wWAg3gJgy4xzEwxyztC+mr4368GTxOz9Si6f5DA+lF/tf+5lqnyOuHxEAarQKgzw=="}}',
    randomName: false,
  },
  {
    command:
      "kubectl create secret generic s --from-literal=a=b --from-file=bin=bin.dat --type=example.com/x",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoMCgJ2MRIGU2VjcmV0EnMKEQoBcxIAGgAiACoAMgA4AEIAEgYKAWESAWISRwoDYmluEkBnWcgYm9Iw221mqfKv+HyLrBYCDeAmDLjHMTDHLO0L6avjfrwZPE7P1KLp/kMD6UX+1/7mWqfI64fEQBqtAqDPGg1leGFtcGxlLmNvbS94GgAiAA==",
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null},"data":{"a":"Yg==","bin":"Z1nIGJvSMNttZqnyr/h8i6wWAg3gJgy4xzEwxyztC+mr4368GTxOz9Si6f5DA+lF/tf+5lqnyOuHxEAarQKgzw=="},"type":"example.com/x"}',
    randomName: false,
  },
  {
    command:
      "kubectl create secret generic s --from-literal=a=b --from-file=bin=bin.dat --type=example.com/x",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoMCgJ2MRIGU2VjcmV0EnMKEQoBcxIAGgAiACoAMgA4AEIAEgYKAWESAWISRwoDYmluEkBnWcgYm9Iw221mqfKv+HyLrBYCDeAmDLjHMTDHLO0L6avjfrwZPE7P1KLp/kMD6UX+1/7mWqfI64fEQBqtAqDPGg1leGFtcGxlLmNvbS94GgAiAA==",
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s","creationTimestamp":null},"data":{"a":"Yg==","bin":"Z1nIGJvSMNttZqnyr/h8i6wWAg3gJgy4xzEwxyztC+mr4368GTxOz9Si6f5DA+lF/tf+5lqnyOuHxEAarQKgzw=="},"type":"example.com/x"}',
    randomName: false,
  },
  {
    command:
      "kubectl create secret docker-registry reg --docker-server=r.example --docker-username=u --docker-password=p --docker-email=e@x",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoMCgJ2MRIGU2VjcmV0Ep8BChMKA3JlZxIAGgAiACoAMgA4AEIAEmgKES5kb2NrZXJjb25maWdqc29uElN7ImF1dGhzIjp7InIuZXhhbXBsZSI6eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJlbWFpbCI6ImVAeCIsImF1dGgiOiJkVHB3In19fRoea3ViZXJuZXRlcy5pby9kb2NrZXJjb25maWdqc29uGgAiAA==",
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"reg","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiZW1haWwiOiJlQHgiLCJhdXRoIjoiZFRwdyJ9fX0="},"type":"kubernetes.io/dockerconfigjson"}',
    randomName: false,
  },
  {
    command:
      "kubectl create secret docker-registry reg --docker-server=r.example --docker-username=u --docker-password=p --docker-email=e@x",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoMCgJ2MRIGU2VjcmV0Ep8BChMKA3JlZxIAGgAiACoAMgA4AEIAEmgKES5kb2NrZXJjb25maWdqc29uElN7ImF1dGhzIjp7InIuZXhhbXBsZSI6eyJ1c2VybmFtZSI6InUiLCJwYXNzd29yZCI6InAiLCJlbWFpbCI6ImVAeCIsImF1dGgiOiJkVHB3In19fRoea3ViZXJuZXRlcy5pby9kb2NrZXJjb25maWdqc29uGgAiAA==",
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"reg","creationTimestamp":null},"data":{".dockerconfigjson":"eyJhdXRocyI6eyJyLmV4YW1wbGUiOnsidXNlcm5hbWUiOiJ1IiwicGFzc3dvcmQiOiJwIiwiZW1haWwiOiJlQHgiLCJhdXRoIjoiZFRwdyJ9fX0="},"type":"kubernetes.io/dockerconfigjson"}',
    randomName: false,
  },
  {
    command: "kubectl create secret tls t --cert=c.pem --key=k.pem",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/secrets?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoMCgJ2MRIGU2VjcmV0EqoWChEKAXQSABoAIgAqADIAOABCABLOCAoHdGxzLmNydBLCCC0tLS0tQkVHSU4gQ0VSVElGSUNBVEUtLS0tLQpNSUlDK1RDQ0FlR2dBd0lCQWdJVUpja3NBN3lmbThoNS9JMnllY1JrbzVwV0E3b3dEUVlKS29aSWh2Y05BUUVMCkJRQXdEREVLTUFnR0ExVUVBd3dCZURBZUZ3MHlOakV4TWpReE16TTFNelJhRncweU5qRXhNalV4TXpNMU16UmEKTUF3eENqQUlCZ05WQkFNTUFYZ3dnZ0VpTUEwR0NTcUdTSWIzRFFFQkFRVUFBNElCRHdBd2dnRUtBb0lCQVFDVwpQMGNzWDBIU3JUV1NRVU9DYkJxdlZrSncwN2RlajFnL0p4WVA2Q2d3QldMZ1JpdCtrOGZjb3VsUDBDTjlwR2ZUCnhHbUtDYS8vRWRxeG5NYUczdGJFK0ZHTVRTNFprRUxPUEVEcFVBdDdlQnk1UVMxaU5vV3BpWVRRejBJVHR3K0EKUDVjaHVIWXR5SGQ0YnhpbU1MdEM2NjJMRmgxYzRUU3JEQ1NxQ3hiK0FUYjhCb3JlcTM1T21CTjhIVUFEZWtFawo2d3BzaHdDeWR3UUtsQ0lxUytuZDlaNWlHUXdFZ0wyNS92YUxwakN0SFVlMVcyWll6Y2RLUXBjckdiTDdSbUhzCmdwc0RqQVlGU1ZKS1lQZ3ljaDhHTC81M2F2VS8zU3FqeHY5Nk1WWThka3VEUXVxeXd2Y2c3TTYxYzNsbzZuN2YKZG9rTDJKQmZvcHBvaTM2Ulo3UTFBZ01CQUFHalV6QlJNQjBHQTFVZERnUVdCQlRKNm5wZDJoT2YzVzBiVGgwegpoZk4vQ28wNTJUQWZCZ05WSFNNRUdEQVdnQlRKNm5wZDJoT2YzVzBiVGgwemhmTi9DbzA1MlRBUEJnTlZIUk1CCkFmOEVCVEFEQVFIL01BMEdDU3FHU0liM0RRRUJDd1VBQTRJQkFRQ1JVeTM2MFd5TEJ4WVptR0F3M1VreDJNTGoKakdYZkV6SU9DbmdRa2NNczR0TTZTdXNHVVFNaWNkblJkZlRQT1NRQndhTUQ3ZkNHK0NKK1c4bm1TdE14WHk4NgpvNmZLRUZsaW5ueFN1V25IMGlrMmxiWjczYzVDeXgyeWMwd3NEaDZSOWdsVVBOM2wzTjUzUE4rN1YwUmZIellyCjJDbFhXN2hHRjE0ZHNsMmkzd0JWeTFPcG04NDNJaC9rMm1PbDhQU2hGais4ZExKNExGTERMeHZKSmlKL3V1VWsKS1dyUDl0N1MvOEwxSkpyUUpRTXdjaUtoTk9LbnJtOG9BR1JXZHQzS050M2xxNWQrOG1EYzZkUmJoT2cyRkpTdQozWjhuSG5zZGNLNXhtQmFCb2tJM1hJMTVsWjdXbEpGTHFhYjlDYlg3OHRJR3YxOTJwRFpZSnZvWDVWcUgKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQoSsA0KB3Rscy5rZXkSpA0tLS0tLUJFR0lOIFBSSVZBVEUgS0VZLS0tLS0KTUlJRXVnSUJBREFOQmdrcWhraUc5dzBCQVFFRkFBU0NCS1F3Z2dTZ0FnRUFBb0lCQVFDV1AwY3NYMEhTclRXUwpRVU9DYkJxdlZrSncwN2RlajFnL0p4WVA2Q2d3QldMZ1JpdCtrOGZjb3VsUDBDTjlwR2ZUeEdtS0NhLy9FZHF4Cm5NYUczdGJFK0ZHTVRTNFprRUxPUEVEcFVBdDdlQnk1UVMxaU5vV3BpWVRRejBJVHR3K0FQNWNodUhZdHlIZDQKYnhpbU1MdEM2NjJMRmgxYzRUU3JEQ1NxQ3hiK0FUYjhCb3JlcTM1T21CTjhIVUFEZWtFazZ3cHNod0N5ZHdRSwpsQ0lxUytuZDlaNWlHUXdFZ0wyNS92YUxwakN0SFVlMVcyWll6Y2RLUXBjckdiTDdSbUhzZ3BzRGpBWUZTVkpLCllQZ3ljaDhHTC81M2F2VS8zU3FqeHY5Nk1WWThka3VEUXVxeXd2Y2c3TTYxYzNsbzZuN2Zkb2tMMkpCZm9wcG8KaTM2Ulo3UTFBZ01CQUFFQ2dmOWdwRk1qak16S0MvVVVIanY0L1pBc2pVK0VtS29FMDRTYWI5OFdYRDRuK3FSSgpuaTViNTExUjQzZ3ZNN0pMSHNwVXdnSExjeHBzVEdVSjJjM1k4dEtIMzl5VVltWHZZTnVYekg5Sms0aDU0c2lYCkMxVjdMRUY0SVB5aXFLM1lBSktpbGtTZ0ZyRkN3YTlzY3JRUzNKcnNjS3ZheXdsdFgyNkJRZmorRWlRTlBST2cKQTlLTHhPU2xoenlGZ3ppTjllbUNNWWt1Wk12cyt2d1RHSGN1Sy9BbHE0R0V3RGxPQ21UQkJ3bkd2NEt4Nkx4VgphZyt1dGVmT3JOYTg1SHIxQjI0NUsrR21WSTluMXIwaWRoL1FSbmFNYXR3L0YycmZnN0xYNXk1Y1UzRitWa2J2CmNNSUQ1ZHVMNDFVbGVpOWZtSm02VkNPdWpCRXk5QVFZMUlNb0c3a0NnWUVBekNYa2RwU3FRQkZMWUx2ZUlzamYKeERHSnY0VUNTaUJRMzZTUlRqcDhOS0Zyc25mSnZTa1dickRvNzdpaDdoRXRCa0wwTkdmMDlTMU5VaEJkR1lOdQpnaHlGRVhDaHFrNzM4QlpBeHNwMEVaN1I2QUFUZlhTZ1E5R1Iwa2s3endyY2l3Mm8wK3llb29ucEVadEkvOTFRCjY0cUkwdGt5RlNIVnhSUHYvSzlqckRNQ2dZRUF2R2lsaDM5L2hpVE9iMDRjUnBVQ2NWYTJ1c1oyUE0rbFByMzcKeFA5blhLVEt1RkdONVEzS0lUdThMZjdoRi9IVUh0MzFuQVp5MnFMS3p0T2o1MjlITk8wY2Q3YmNqdWg3cHlzQgpOektEVXBuU0RTU0FhVmErbXByY0FVQThUNEcvYTVEOUJ3bUcvVnRMOVlqWGtBK1JVeFpWajlWWEVPSUxOQllrClovNFNOZmNDZ1lBVkxRRUx3OVA5SFU0aVZKcHdKVUlBeWRxdUFSQUJ2R1JuTGx6Y0xuamZ4TGExSm5QSXFWQm8KWHZWcW1FNURzWWhvRTkzYzZjT2hBdmY0UVRaSEJUa2JTZllMbnhGRjV6Y1VzbG81eEpwUmtaWFlhTm1jczlKRAo5cU1YbXYwWE50czFtVThmM0hXQUNxb2daMmtsRVVIcGpNOHdmOU1RR2hoZ2Z2YnYwUW1YdlFLQmdGTTlBSFNlCmxaNlVRRWZZZ0pHR1g2L25HWS9uQW5IWFl6QVhDMVo3YUJUOEVUdmhmQWtJVUpiaUp6OUM3ZnVBTWJENWF2dGwKdGZSMkc1ZkkxUTc0a01NSFJwNTFRWGc1cWZldS9qaCtycG9kcnpsek9QQlJES0NOYmtsM01hNEdxcVZCUnlpRwp3d2JJQVFVWFVmVXBpNURqdXlWeW9hYXAxejFKMHdmR3JoRDlBb0dBRFFEQ1B6OXgzRUFhYStIdE1mNStyaXZ2ClY0NjVoSHRsRkNZU0dJbUtPbmN3RGlFRW5OcTVpdXFxVm1XNGUyWjhQcGNLdmZqSzdDeFEvMmsvbUFoYzY1aFEKT2FQQWJXMFk1eDQwODA5K0F2ZW5DUWpLYmt5R1YydTF6bkJka1NNcEVyZk8vKzdLdDhTNjhvbzQ0RVVmT0M4bwpwa201RWdQaXBRd3dDUlpQaHBNPQotLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tChoRa3ViZXJuZXRlcy5pby90bHMaACIA",
    json: '{"kind":"Secret","apiVersion":"v1","metadata":{"name":"t","creationTimestamp":null},"data":{"tls.crt":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMrVENDQWVHZ0F3SUJBZ0lVSmNrc0E3eWZtOGg1L0kyeWVjUmtvNXBXQTdvd0RRWUpLb1pJaHZjTkFRRUwKQlFBd0RERUtNQWdHQTFVRUF3d0JlREFlRncweU5qRXhNalF4TXpNMU16UmFGdzB5TmpFeE1qVXhNek0xTXpSYQpNQXd4Q2pBSUJnTlZCQU1NQVhnd2dnRWlNQTBHQ1NxR1NJYjNEUUVCQVFVQUE0SUJEd0F3Z2dFS0FvSUJBUUNXClAwY3NYMEhTclRXU1FVT0NiQnF2VmtKdzA3ZGVqMWcvSnhZUDZDZ3dCV0xnUml0K2s4ZmNvdWxQMENOOXBHZlQKeEdtS0NhLy9FZHF4bk1hRzN0YkUrRkdNVFM0WmtFTE9QRURwVUF0N2VCeTVRUzFpTm9XcGlZVFF6MElUdHcrQQpQNWNodUhZdHlIZDRieGltTUx0QzY2MkxGaDFjNFRTckRDU3FDeGIrQVRiOEJvcmVxMzVPbUJOOEhVQURla0VrCjZ3cHNod0N5ZHdRS2xDSXFTK25kOVo1aUdRd0VnTDI1L3ZhTHBqQ3RIVWUxVzJaWXpjZEtRcGNyR2JMN1JtSHMKZ3BzRGpBWUZTVkpLWVBneWNoOEdMLzUzYXZVLzNTcWp4djk2TVZZOGRrdURRdXF5d3ZjZzdNNjFjM2xvNm43Zgpkb2tMMkpCZm9wcG9pMzZSWjdRMUFnTUJBQUdqVXpCUk1CMEdBMVVkRGdRV0JCVEo2bnBkMmhPZjNXMGJUaDB6CmhmTi9DbzA1MlRBZkJnTlZIU01FR0RBV2dCVEo2bnBkMmhPZjNXMGJUaDB6aGZOL0NvMDUyVEFQQmdOVkhSTUIKQWY4RUJUQURBUUgvTUEwR0NTcUdTSWIzRFFFQkN3VUFBNElCQVFDUlV5MzYwV3lMQnhZWm1HQXczVWt4Mk1MagpqR1hmRXpJT0NuZ1FrY01zNHRNNlN1c0dVUU1pY2RuUmRmVFBPU1FCd2FNRDdmQ0crQ0orVzhubVN0TXhYeTg2Cm82ZktFRmxpbm54U3VXbkgwaWsybGJaNzNjNUN5eDJ5YzB3c0RoNlI5Z2xVUE4zbDNONTNQTis3VjBSZkh6WXIKMkNsWFc3aEdGMTRkc2wyaTN3QlZ5MU9wbTg0M0loL2sybU9sOFBTaEZqKzhkTEo0TEZMREx4dkpKaUovdXVVawpLV3JQOXQ3Uy84TDFKSnJRSlFNd2NpS2hOT0tucm04b0FHUldkdDNLTnQzbHE1ZCs4bURjNmRSYmhPZzJGSlN1CjNaOG5IbnNkY0s1eG1CYUJva0kzWEkxNWxaN1dsSkZMcWFiOUNiWDc4dElHdjE5MnBEWllKdm9YNVZxSAotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg==","tls.key":"LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV1Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVNDQktRd2dnU2dBZ0VBQW9JQkFRQ1dQMGNzWDBIU3JUV1MKUVVPQ2JCcXZWa0p3MDdkZWoxZy9KeFlQNkNnd0JXTGdSaXQrazhmY291bFAwQ045cEdmVHhHbUtDYS8vRWRxeApuTWFHM3RiRStGR01UUzRaa0VMT1BFRHBVQXQ3ZUJ5NVFTMWlOb1dwaVlUUXowSVR0dytBUDVjaHVIWXR5SGQ0CmJ4aW1NTHRDNjYyTEZoMWM0VFNyRENTcUN4YitBVGI4Qm9yZXEzNU9tQk44SFVBRGVrRWs2d3BzaHdDeWR3UUsKbENJcVMrbmQ5WjVpR1F3RWdMMjUvdmFMcGpDdEhVZTFXMlpZemNkS1FwY3JHYkw3Um1Ic2dwc0RqQVlGU1ZKSwpZUGd5Y2g4R0wvNTNhdlUvM1Nxanh2OTZNVlk4ZGt1RFF1cXl3dmNnN002MWMzbG82bjdmZG9rTDJKQmZvcHBvCmkzNlJaN1ExQWdNQkFBRUNnZjlncEZNampNektDL1VVSGp2NC9aQXNqVStFbUtvRTA0U2FiOThXWEQ0bitxUkoKbmk1YjUxMVI0M2d2TTdKTEhzcFV3Z0hMY3hwc1RHVUoyYzNZOHRLSDM5eVVZbVh2WU51WHpIOUprNGg1NHNpWApDMVY3TEVGNElQeWlxSzNZQUpLaWxrU2dGckZDd2E5c2NyUVMzSnJzY0t2YXl3bHRYMjZCUWZqK0VpUU5QUk9nCkE5S0x4T1NsaHp5Rmd6aU45ZW1DTVlrdVpNdnMrdndUR0hjdUsvQWxxNEdFd0RsT0NtVEJCd25HdjRLeDZMeFYKYWcrdXRlZk9yTmE4NUhyMUIyNDVLK0dtVkk5bjFyMGlkaC9RUm5hTWF0dy9GMnJmZzdMWDV5NWNVM0YrVmtidgpjTUlENWR1TDQxVWxlaTlmbUptNlZDT3VqQkV5OUFRWTFJTW9HN2tDZ1lFQXpDWGtkcFNxUUJGTFlMdmVJc2pmCnhER0p2NFVDU2lCUTM2U1JUanA4TktGcnNuZkp2U2tXYnJEbzc3aWg3aEV0QmtMME5HZjA5UzFOVWhCZEdZTnUKZ2h5RkVYQ2hxazczOEJaQXhzcDBFWjdSNkFBVGZYU2dROUdSMGtrN3p3cmNpdzJvMCt5ZW9vbnBFWnRJLzkxUQo2NHFJMHRreUZTSFZ4UlB2L0s5anJETUNnWUVBdkdpbGgzOS9oaVRPYjA0Y1JwVUNjVmEydXNaMlBNK2xQcjM3CnhQOW5YS1RLdUZHTjVRM0tJVHU4TGY3aEYvSFVIdDMxbkFaeTJxTEt6dE9qNTI5SE5PMGNkN2JjanVoN3B5c0IKTnpLRFVwblNEU1NBYVZhK21wcmNBVUE4VDRHL2E1RDlCd21HL1Z0TDlZalhrQStSVXhaVmo5VlhFT0lMTkJZawpaLzRTTmZjQ2dZQVZMUUVMdzlQOUhVNGlWSnB3SlVJQXlkcXVBUkFCdkdSbkxsemNMbmpmeExhMUpuUElxVkJvClh2VnFtRTVEc1lob0U5M2M2Y09oQXZmNFFUWkhCVGtiU2ZZTG54RkY1emNVc2xvNXhKcFJrWlhZYU5tY3M5SkQKOXFNWG12MFhOdHMxbVU4ZjNIV0FDcW9nWjJrbEVVSHBqTTh3ZjlNUUdoaGdmdmJ2MFFtWHZRS0JnRk05QUhTZQpsWjZVUUVmWWdKR0dYNi9uR1kvbkFuSFhZekFYQzFaN2FCVDhFVHZoZkFrSVVKYmlKejlDN2Z1QU1iRDVhdnRsCnRmUjJHNWZJMVE3NGtNTUhScDUxUVhnNXFmZXUvamgrcnBvZHJ6bHpPUEJSREtDTmJrbDNNYTRHcXFWQlJ5aUcKd3diSUFRVVhVZlVwaTVEanV5VnlvYWFwMXoxSjB3ZkdyaEQ5QW9HQURRRENQejl4M0VBYWErSHRNZjUrcml2dgpWNDY1aEh0bEZDWVNHSW1LT25jd0RpRUVuTnE1aXVxcVZtVzRlMlo4UHBjS3Zmaks3Q3hRLzJrL21BaGM2NWhRCk9hUEFiVzBZNXg0MDgwOStBdmVuQ1FqS2JreUdWMnUxem5CZGtTTXBFcmZPLys3S3Q4UzY4b280NEVVZk9DOG8KcGttNUVnUGlwUXd3Q1JaUGhwTT0KLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="},"type":"kubernetes.io/tls"}',
    randomName: false,
  },
  {
    command: "kubectl create configmap hashed --from-literal=a=b --append-hash",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEisKIQoRaGFzaGVkLTRkazltN2RtbWcSABoAIgAqADIAOABCABIGCgFhEgFiGgAiAA==",
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"hashed-4dk9m7dmmg","creationTimestamp":null},"data":{"a":"b"}}',
    randomName: false,
  },
  {
    command: "kubectl create configmap hashed --from-literal=a=b --append-hash",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Ignore",
    protobuf:
      "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEisKIQoRaGFzaGVkLTRkazltN2RtbWcSABoAIgAqADIAOABCABIGCgFhEgFiGgAiAA==",
    json: '{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"hashed-4dk9m7dmmg","creationTimestamp":null},"data":{"a":"b"}}',
    randomName: false,
  },
  {
    command: "kubectl drain n1 --disable-eviction --force --grace-period=5 (pod delete)",
    kubectl: "1.32.5",
    request: "DELETE /api/v1/namespaces/default/pods/p",
    protobuf: "azhzAAoTCgJ2MRINRGVsZXRlT3B0aW9ucxICCAUaACIA",
    json: '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":5}',
    randomName: false,
  },
  {
    command: "kubectl drain n1 --disable-eviction --force --grace-period=5 (pod delete)",
    kubectl: "1.33.1",
    request: "DELETE /api/v1/namespaces/default/pods/p",
    protobuf: "azhzAAoTCgJ2MRINRGVsZXRlT3B0aW9ucxICCAUaACIA",
    json: '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":5}',
    randomName: false,
  },
  {
    command: "kubectl debug node/n1 --image=busybox -- sleep 1",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEtYBCiYKFm5vZGUtZGVidWdnZXItbjEtODlwYmYSABoAIgAqADIAOABCABKZAQoSCglob3N0LXJvb3QSBQoDCgEvEk8KCGRlYnVnZ2VyEgdidXN5Ym94GgVzbGVlcBoBMSoAQgBKGAoJaG9zdC1yb290EAAaBS9ob3N0IgAyAGoAcgCAAQCIAQCQAQCiAQRGaWxlGgVOZXZlcjIAQgBKAFICbjFYAWABaAGCAQCKAQCaAQCyAQ4KABIGRXhpc3RzGgAiAMIBABoQCgAaACIAKgAyAEoAWgByABoAIgA=",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"node-debugger-n1-fhpbd","creationTimestamp":null},"spec":{"volumes":[{"name":"host-root","hostPath":{"path":"/"}}],"containers":[{"name":"debugger","image":"busybox","command":["sleep","1"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],"terminationMessagePolicy":"File"}],"restartPolicy":"Never","nodeName":"n1","hostNetwork":true,"hostPID":true,"hostIPC":true,"tolerations":[{"operator":"Exists"}]},"status":{}}',
    randomName: true,
  },
  {
    command: "kubectl debug node/n1 --image=busybox -- sleep 1",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEtkBCiYKFm5vZGUtZGVidWdnZXItbjEtbndkem0SABoAIgAqADIAOABCABKZAQoSCglob3N0LXJvb3QSBQoDCgEvEk8KCGRlYnVnZ2VyEgdidXN5Ym94GgVzbGVlcBoBMSoAQgBKGAoJaG9zdC1yb290EAAaBS9ob3N0IgAyAGoAcgCAAQCIAQCQAQCiAQRGaWxlGgVOZXZlcjIAQgBKAFICbjFYAWABaAGCAQCKAQCaAQCyAQ4KABIGRXhpc3RzGgAiAMIBABoTCgAaACIAKgAyAEoAWgByAIgBABoAIgA=",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"node-debugger-n1-fhpbd","creationTimestamp":null},"spec":{"volumes":[{"name":"host-root","hostPath":{"path":"/"}}],"containers":[{"name":"debugger","image":"busybox","command":["sleep","1"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],"terminationMessagePolicy":"File"}],"restartPolicy":"Never","nodeName":"n1","hostNetwork":true,"hostPID":true,"hostIPC":true,"tolerations":[{"operator":"Exists"}]},"status":{}}',
    randomName: true,
  },
  {
    command: "kubectl debug p --copy-to=p2 --image=busybox --container=dbg --profile=general -- sleep 1",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEqEDChkKAnAyEgAaB2RlZmF1bHQiACoAMgA4AEIAEvECCh8KA2NmZxIYmgEVCgQKAmNtEgoKAWESBWEudHh0GKQDChAKAWUSCxIJCgASBQoDMUdpEpoBCgFjEgVuZ2lueCoAMg4KBGh0dHAQABhQIgAqADoGCgFBEgExOhoKAUISABoTChEKABINbWV0YWRhdGEubmFtZUIxCg0KA2NwdRIGCgQ1MDBtChEKBm1lbW9yeRIHCgUxMjhNaRINCgNjcHUSBgoEMTAwbUoVCgNjZmcQARoIL2V0Yy9jZmciADIAagByAIABAIgBAJABAKIBABJACgNkYmcSB2J1c3lib3gaBXNsZWVwGgExKgBCAGoAcgB6DgoMCgpTWVNfUFRSQUNFgAEAiAEAkAEAogEERmlsZRoAIAoyAEIASgBSAFgAYABoAHIGEOgHKNAPggEAigEAkgEVChMKEQoPCg0KAWESAkluGgF4GgF5mgEAsgEbCgFrEgZFeGlzdHMaACIKTm9TY2hlZHVsZSgewgEA2AEBGhAKABoAIgAqADIASgBaAHIAGgAiAA==",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p2","namespace":"default","creationTimestamp":null},"spec":{"volumes":[{"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a.txt"}],"defaultMode":420}},{"name":"e","emptyDir":{"sizeLimit":"1Gi"}}],"containers":[{"name":"c","image":"nginx","ports":[{"name":"http","containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m"}},"volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"}]},{"name":"dbg","image":"busybox","command":["sleep","1"],"resources":{},"terminationMessagePolicy":"File","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}],"terminationGracePeriodSeconds":10,"shareProcessNamespace":true,"securityContext":{"runAsUser":1000,"fsGroup":2000},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x","y"]}]}]}}},"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":30}]},"status":{}}',
    randomName: false,
  },
  {
    command: "kubectl debug p --copy-to=p2 --image=busybox --container=dbg --profile=general -- sleep 1",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEqQDChkKAnAyEgAaB2RlZmF1bHQiACoAMgA4AEIAEvECCh8KA2NmZxIYmgEVCgQKAmNtEgoKAWESBWEudHh0GKQDChAKAWUSCxIJCgASBQoDMUdpEpoBCgFjEgVuZ2lueCoAMg4KBGh0dHAQABhQIgAqADoGCgFBEgExOhoKAUISABoTChEKABINbWV0YWRhdGEubmFtZUIxCg0KA2NwdRIGCgQ1MDBtChEKBm1lbW9yeRIHCgUxMjhNaRINCgNjcHUSBgoEMTAwbUoVCgNjZmcQARoIL2V0Yy9jZmciADIAagByAIABAIgBAJABAKIBABJACgNkYmcSB2J1c3lib3gaBXNsZWVwGgExKgBCAGoAcgB6DgoMCgpTWVNfUFRSQUNFgAEAiAEAkAEAogEERmlsZRoAIAoyAEIASgBSAFgAYABoAHIGEOgHKNAPggEAigEAkgEVChMKEQoPCg0KAWESAkluGgF4GgF5mgEAsgEbCgFrEgZFeGlzdHMaACIKTm9TY2hlZHVsZSgewgEA2AEBGhMKABoAIgAqADIASgBaAHIAiAEAGgAiAA==",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p2","namespace":"default","creationTimestamp":null},"spec":{"volumes":[{"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a.txt"}],"defaultMode":420}},{"name":"e","emptyDir":{"sizeLimit":"1Gi"}}],"containers":[{"name":"c","image":"nginx","ports":[{"name":"http","containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m"}},"volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"}]},{"name":"dbg","image":"busybox","command":["sleep","1"],"resources":{},"terminationMessagePolicy":"File","securityContext":{"capabilities":{"add":["SYS_PTRACE"]}}}],"terminationGracePeriodSeconds":10,"shareProcessNamespace":true,"securityContext":{"runAsUser":1000,"fsGroup":2000},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x","y"]}]}]}}},"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":30}]},"status":{}}',
    randomName: false,
  },
  {
    command: "kubectl debug p --copy-to=p3 --set-image=c=nginx:2 --same-node --share-processes=true",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEoYDChkKAnAzEgAaB2RlZmF1bHQiACoAMgA4AEIAEtYCCh8KA2NmZxIYmgEVCgQKAmNtEgoKAWESBWEudHh0GKQDChAKAWUSCxIJCgASBQoDMUdpEr8BCgFjEgduZ2lueDoyKgAyDgoEaHR0cBAAGFAiACoAOgYKAUESATE6GgoBQhIAGhMKEQoAEg1tZXRhZGF0YS5uYW1lQjEKDQoDY3B1EgYKBDUwMG0KEQoGbWVtb3J5EgcKBTEyOE1pEg0KA2NwdRIGCgQxMDBtShUKA2NmZxABGggvZXRjL2NmZyIAMgBaIQoVEhMKAS8SCggBEAAaBGh0dHAaACIAEAAYACAFKAAwAGoAcgCAAQCIAQCQAQCiAQAaACAKMgBCAEoAUgJuMVgAYABoAHIGEOgHKNAPggEAigEAkgEVChMKEQoPCg0KAWESAkluGgF4GgF5mgEAsgEbCgFrEgZFeGlzdHMaACIKTm9TY2hlZHVsZSgewgEA2AEBGhAKABoAIgAqADIASgBaAHIAGgAiAA==",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p3","namespace":"default","creationTimestamp":null},"spec":{"volumes":[{"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a.txt"}],"defaultMode":420}},{"name":"e","emptyDir":{"sizeLimit":"1Gi"}}],"containers":[{"name":"c","image":"nginx:2","ports":[{"name":"http","containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m"}},"volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"}],"readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5}}],"terminationGracePeriodSeconds":10,"nodeName":"n1","shareProcessNamespace":true,"securityContext":{"runAsUser":1000,"fsGroup":2000},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x","y"]}]}]}}},"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":30}]},"status":{}}',
    randomName: false,
  },
  {
    command: "kubectl debug p --copy-to=p3 --set-image=c=nginx:2 --same-node --share-processes=true",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEokDChkKAnAzEgAaB2RlZmF1bHQiACoAMgA4AEIAEtYCCh8KA2NmZxIYmgEVCgQKAmNtEgoKAWESBWEudHh0GKQDChAKAWUSCxIJCgASBQoDMUdpEr8BCgFjEgduZ2lueDoyKgAyDgoEaHR0cBAAGFAiACoAOgYKAUESATE6GgoBQhIAGhMKEQoAEg1tZXRhZGF0YS5uYW1lQjEKDQoDY3B1EgYKBDUwMG0KEQoGbWVtb3J5EgcKBTEyOE1pEg0KA2NwdRIGCgQxMDBtShUKA2NmZxABGggvZXRjL2NmZyIAMgBaIQoVEhMKAS8SCggBEAAaBGh0dHAaACIAEAAYACAFKAAwAGoAcgCAAQCIAQCQAQCiAQAaACAKMgBCAEoAUgJuMVgAYABoAHIGEOgHKNAPggEAigEAkgEVChMKEQoPCg0KAWESAkluGgF4GgF5mgEAsgEbCgFrEgZFeGlzdHMaACIKTm9TY2hlZHVsZSgewgEA2AEBGhMKABoAIgAqADIASgBaAHIAiAEAGgAiAA==",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p3","namespace":"default","creationTimestamp":null},"spec":{"volumes":[{"name":"cfg","configMap":{"name":"cm","items":[{"key":"a","path":"a.txt"}],"defaultMode":420}},{"name":"e","emptyDir":{"sizeLimit":"1Gi"}}],"containers":[{"name":"c","image":"nginx:2","ports":[{"name":"http","containerPort":80}],"env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"100m"}},"volumeMounts":[{"name":"cfg","readOnly":true,"mountPath":"/etc/cfg"}],"readinessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":5}}],"terminationGracePeriodSeconds":10,"nodeName":"n1","shareProcessNamespace":true,"securityContext":{"runAsUser":1000,"fsGroup":2000},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"a","operator":"In","values":["x","y"]}]}]}}},"tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule","tolerationSeconds":30}]},"status":{}}',
    randomName: false,
  },
  {
    command: "kubectl debug node/n1 --image=busybox --profile=sysadmin -- sleep 1",
    kubectl: "1.32.5",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEtoBCiYKFm5vZGUtZGVidWdnZXItbjEtcnc5amISABoAIgAqADIAOABCABKdAQoSCglob3N0LXJvb3QSBQoDCgEvElMKCGRlYnVnZ2VyEgdidXN5Ym94GgVzbGVlcBoBMSoAQgBKGAoJaG9zdC1yb290EAAaBS9ob3N0IgAyAGoAcgB6AhABgAEAiAEAkAEAogEERmlsZRoFTmV2ZXIyAEIASgBSAm4xWAFgAWgBggEAigEAmgEAsgEOCgASBkV4aXN0cxoAIgDCAQAaEAoAGgAiACoAMgBKAFoAcgAaACIA",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"node-debugger-n1-d75lb","creationTimestamp":null},"spec":{"volumes":[{"name":"host-root","hostPath":{"path":"/"}}],"containers":[{"name":"debugger","image":"busybox","command":["sleep","1"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],"terminationMessagePolicy":"File","securityContext":{"privileged":true}}],"restartPolicy":"Never","nodeName":"n1","hostNetwork":true,"hostPID":true,"hostIPC":true,"tolerations":[{"operator":"Exists"}]},"status":{}}',
    randomName: true,
  },
  {
    command: "kubectl debug node/n1 --image=busybox --profile=sysadmin -- sleep 1",
    kubectl: "1.33.1",
    request: "POST /api/v1/namespaces/default/pods",
    protobuf:
      "azhzAAoJCgJ2MRIDUG9kEt0BCiYKFm5vZGUtZGVidWdnZXItbjEtYnBxYm4SABoAIgAqADIAOABCABKdAQoSCglob3N0LXJvb3QSBQoDCgEvElMKCGRlYnVnZ2VyEgdidXN5Ym94GgVzbGVlcBoBMSoAQgBKGAoJaG9zdC1yb290EAAaBS9ob3N0IgAyAGoAcgB6AhABgAEAiAEAkAEAogEERmlsZRoFTmV2ZXIyAEIASgBSAm4xWAFgAWgBggEAigEAmgEAsgEOCgASBkV4aXN0cxoAIgDCAQAaEwoAGgAiACoAMgBKAFoAcgCIAQAaACIA",
    json: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"node-debugger-n1-d75lb","creationTimestamp":null},"spec":{"volumes":[{"name":"host-root","hostPath":{"path":"/"}}],"containers":[{"name":"debugger","image":"busybox","command":["sleep","1"],"resources":{},"volumeMounts":[{"name":"host-root","mountPath":"/host"}],"terminationMessagePolicy":"File","securityContext":{"privileged":true}}],"restartPolicy":"Never","nodeName":"n1","hostNetwork":true,"hostPID":true,"hostIPC":true,"tolerations":[{"operator":"Exists"}]},"status":{}}',
    randomName: true,
  },
];
