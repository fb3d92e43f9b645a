// Label and field selectors, as kube-apiserver parses and applies them. Imports nothing above api/.
export { type EventView, eventView } from "./event-view.js";
export {
  convertFieldSelector,
  escapeFieldValue,
  everyField,
  type FieldRequirement,
  type FieldSelector,
  fieldExactMatch,
  fieldsOf,
  formatFieldSelector,
  matchesFields,
  objectMatchesFields,
  parseFieldSelector,
  parseFieldSelectorParam,
  unescapeFieldValue,
} from "./fields.js";
export {
  everything,
  formatLabelSelector,
  isEverything,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  labelExactMatch,
  labelSelectorFromObject,
  matchesLabels,
  newRequirement,
  nothing,
  parseLabelSelector,
  parseLabelSelectorParam,
  SelectorError,
} from "./labels.js";
