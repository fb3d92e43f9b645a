// Kubernetes' $(VAR_NAME) expansion (third_party/forked/golang/expansion), used for container
// command, args and env values: `$(NAME)` is replaced when NAME is defined and left as written
// otherwise, `$$` escapes a `$`, anything else passes through.

/** kube's MappingFuncFor: the first context that defines the name wins; undefined stays "$(NAME)". */
export function mappingFor(...contexts: ReadonlyMap<string, string>[]): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

export function expand(input: string, mapping: (name: string) => string): string {
  let out = "";
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === "$" && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      let advance = 1;
      if (rest[0] === "$") {
        out += "$";
      } else if (rest[0] === "(") {
        const close = rest.indexOf(")", 1);
        if (close > 0) {
          out += mapping(rest.slice(1, close));
          advance = close + 1;
        } else {
          // An incomplete reference is kept as written.
          out += "$(";
        }
      } else {
        out += `$${rest[0]}`;
      }
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}
