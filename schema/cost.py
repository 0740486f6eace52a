"""What an operation costs, read from the schema's `@cost` and `@listSize` directives (IBM's cost spec).

`requested_cost` prices a validated document before it runs, from its arguments and the list sizes the
schema publishes; `actual_cost` prices the same operation from the data it returned, with the real list
lengths. The published SDL is the only source of weights and sizes (see docs/api-cost.md):

- a field returning an object, interface or union weighs 1, a scalar or enum 0, unless the field (or its
  type) carries `@cost(weight:)`; a field's weight is paid for every object it returns;
- a list field returns as many items as the largest of its `@listSize` slicing arguments given (a literal,
  a variable, else the argument's default), else its `assumedSize`; with `sizedFields` that size is the
  length of those child lists instead (a connection's `edges`), and the connection itself weighs 1;
- fields are counted once per response key where they are spread (fragments, inline fragments and every
  alias separately; two selections of one key merge, as they do when executed); a field on an interface
  or union counts its most expensive possible type; `@skip`/`@include` are honoured;
- introspection (`__schema`, `__type`) is answered from memory: each of its objects weighs 1 and its
  lists count once, so GraphiQL's introspection query stays cheap; `__typename` is free.
"""

import math
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    Undefined,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
    is_list_type,
    value_from_ast,
    value_from_ast_untyped,
)
from graphql.execution.values import VariableValues, get_directive_values, get_variable_values
from graphql.utilities import get_operation_ast
from graphql.utilities.coerce_input_value import coerce_default_value
from strawberry import UNSET
from strawberry.utils.str_converters import to_camel_case

__all__ = [
    "DEFAULT_LIST_SIZE",
    "UNBOUNDED_COST",
    "Pricing",
    "actual_cost",
    "actual_cost_of",
    "maximum_cost",
    "pricing",
    "requested_cost",
    "requested_cost_of",
]

Number = int | float

# A list with no @listSize and no parent naming it in `sizedFields`: assume a full page. Every list of this
# schema is sized by its directives (a test checks it), so this only prices a list added without one.
DEFAULT_LIST_SIZE = 100
# What a document that cannot be priced (a fragment cycle, absurd nesting) costs: more than any maximum.
UNBOUNDED_COST = 2**63 - 1
_MAX_NESTING = 64
_COST = "cost"
_LIST_SIZE = "listSize"
_DEFINITION = "strawberry-definition"
_UNSET_TYPE = type(UNSET)


@dataclass(frozen=True, slots=True)
class _FieldModel:
    weight: Number
    composite: bool
    is_list: bool
    has_list_size: bool
    assumed_size: int | None
    slicing_arguments: tuple[str, ...]
    sized_fields: tuple[str, ...]
    argument_weights: tuple[tuple[str, Number], ...]


_INTROSPECTION_OBJECT = _FieldModel(1, True, False, False, None, (), (), ())
_INTROSPECTION_LEAF = _FieldModel(0, False, False, False, None, (), (), ())


def _weight(text: Any) -> Number:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"@cost(weight: {text!r}) is not a finite number.")
    return int(value) if value.is_integer() else value


def _applied_directives(element: Any) -> dict[str, dict[str, Any]]:
    """The cost directives applied to a schema element, by name, with their arguments by GraphQL name.

    From the SDL the schema was built from (`ast_node`), else from the strawberry definition behind it.
    """
    found: dict[str, dict[str, Any]] = {}
    for node in (getattr(element, "ast_node", None), *(getattr(element, "extension_ast_nodes", None) or ())):
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value in (_COST, _LIST_SIZE):
                found[directive.name.value] = {
                    argument.name.value: value_from_ast_untyped(argument.value) for argument in directive.arguments
                }
    definition = (getattr(element, "extensions", None) or {}).get(_DEFINITION)
    for directive in getattr(definition, "directives", None) or ():
        spec = getattr(type(directive), "__strawberry_directive__", None)
        if spec is None or spec.graphql_name not in (_COST, _LIST_SIZE):
            continue
        arguments = {}
        for field in spec.fields:
            value = getattr(directive, field.python_name, Undefined)
            if value is not Undefined and not isinstance(value, _UNSET_TYPE):
                arguments[field.graphql_name or to_camel_case(field.python_name)] = value
        found.setdefault(spec.graphql_name, arguments)
    return found


def _field_model(field: GraphQLField) -> _FieldModel:
    nullable = get_nullable_type(field.type)
    named: GraphQLNamedType = get_named_type(field.type)
    composite = is_composite_type(named)
    applied = _applied_directives(field)
    if _COST in applied:
        weight = _weight(applied[_COST]["weight"])
    elif _COST in (type_directives := _applied_directives(named)):
        weight = _weight(type_directives[_COST]["weight"])
    else:
        weight = 1 if composite else 0
    list_size = applied.get(_LIST_SIZE)
    argument_weights = tuple(
        (name, _weight(directives[_COST]["weight"]))
        for name, argument in field.args.items()
        if _COST in (directives := _applied_directives(argument))
    )
    return _FieldModel(
        weight=weight,
        composite=composite,
        is_list=is_list_type(nullable),
        has_list_size=list_size is not None,
        assumed_size=(list_size or {}).get("assumedSize"),
        slicing_arguments=tuple((list_size or {}).get("slicingArguments") or ()),
        sized_fields=tuple((list_size or {}).get("sizedFields") or ()),
        argument_weights=argument_weights,
    )


class _SchemaModel:
    """The weights and sizes of every field of one schema, read once from its directives."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.fields: dict[tuple[str, str], _FieldModel] = {}
        for type_ in schema.type_map.values():
            if type_.name.startswith("__") or not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
                continue
            for name, field in type_.fields.items():
                self.fields[type_.name, name] = _field_model(field)


_MODELS: "weakref.WeakKeyDictionary[GraphQLSchema, _SchemaModel]" = weakref.WeakKeyDictionary()


def _model(schema: GraphQLSchema) -> _SchemaModel:
    model = _MODELS.get(schema)
    if model is None:
        model = _MODELS[schema] = _SchemaModel(schema)
    return model


def _as_size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    return None


class _Pricer:
    """One pricing of one operation (memoised per merged selection, so fragment fan-out stays linear)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation: OperationDefinitionNode,
    ) -> None:
        self.schema = schema
        self.model = _model(schema)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        inputs = dict(variables) if isinstance(variables, Mapping) else {}
        coerced = get_variable_values(schema, operation.variable_definitions or (), inputs)
        if isinstance(coerced, list):  # invalid variables: the operation will not run; price their defaults
            coerced = get_variable_values(schema, [], {})
        assert isinstance(coerced, VariableValues)
        self.variable_values = coerced
        self.variables = coerced.coerced
        self.memo: dict[tuple[Any, ...], Number] = {}
        self.in_progress: set[tuple[Any, ...]] = set()
        # The fields of a selection on a type, worked out once for every item of a list (actual cost).
        self.plans: dict[
            tuple[Any, ...],
            list[tuple[str, FieldNode, _FieldModel, tuple[SelectionSetNode, ...], GraphQLNamedType, bool]],
        ] = {}

    # Selections

    def included(self, node: FieldNode | InlineFragmentNode | FragmentSpreadNode) -> bool:
        if not node.directives:
            return True
        try:
            skip = get_directive_values(GraphQLSkipDirective, node, self.variable_values)
            if skip is not None and skip.get("if") is True:
                return False
            include = get_directive_values(GraphQLIncludeDirective, node, self.variable_values)
        except GraphQLError:  # a missing variable: the operation will not run; count the selection
            return True
        return include is None or include.get("if") is not False

    def applies(self, condition: Any, object_type: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        type_ = self.schema.get_type(condition.name.value)
        if type_ is object_type:
            return True
        return type_ is not None and is_abstract_type(type_) and self.schema.is_sub_type(type_, object_type)

    def collect(
        self, selection_sets: Iterable[SelectionSetNode], object_type: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        """The fields executed on `object_type`, by response key (graphql-core's field collection)."""
        fields: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()
        pending = [iter(selection_set.selections) for selection_set in reversed(list(selection_sets))]
        while pending:
            selection = next(pending[-1], None)
            if selection is None:
                pending.pop()
                continue
            if not self.included(selection):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self.applies(selection.type_condition, object_type):
                    pending.append(iter(selection.selection_set.selections))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if name in visited or fragment is None:
                    continue
                visited.add(name)
                if self.applies(fragment.type_condition, object_type):
                    pending.append(iter(fragment.selection_set.selections))
        return fields

    # Fields

    def field(
        self, parent: GraphQLObjectType, node: FieldNode, introspection: bool
    ) -> tuple[GraphQLField | None, _FieldModel | None, bool]:
        """The definition and model of a field, and whether it (and what is under it) is introspection."""
        name = node.name.value
        if name == "__typename":
            return None, None, introspection
        if name in ("__schema", "__type") and parent is self.schema.query_type:
            definition = SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
            return definition, _INTROSPECTION_OBJECT, True
        definition = parent.fields.get(name)
        if definition is None:
            return None, None, introspection
        if introspection or parent.name.startswith("__"):
            composite = is_composite_type(get_named_type(definition.type))
            return definition, _INTROSPECTION_OBJECT if composite else _INTROSPECTION_LEAF, True
        return definition, self.model.fields.get((parent.name, name)), False

    def argument(self, definition: GraphQLField, node: FieldNode, name: str) -> Any:
        argument: GraphQLArgument | None = definition.args.get(name)
        if argument is None:
            return None
        for given in node.arguments or ():
            if given.name.value == name:
                value = value_from_ast(given.value, argument.type, self.variables)
                if value is not Undefined:
                    return value
                break
        try:
            default = coerce_default_value(argument)
        except (GraphQLError, TypeError, ValueError):
            return None
        return None if default is Undefined else default

    def slicing_size(self, definition: GraphQLField, model: _FieldModel, node: FieldNode) -> int:
        sizes = [
            size
            for name in model.slicing_arguments
            if (size := _as_size(self.argument(definition, node, name))) is not None
        ]
        if sizes:
            return max(sizes)
        if model.assumed_size is not None:
            return model.assumed_size
        return DEFAULT_LIST_SIZE

    def argument_weight(self, model: _FieldModel, node: FieldNode) -> Number:
        if not model.argument_weights:
            return 0
        given = {argument.name.value for argument in node.arguments or ()}
        return sum(weight for name, weight in model.argument_weights if name in given)

    def child_sizes(self, definition: GraphQLField, model: _FieldModel, node: FieldNode) -> tuple[tuple[str, int], ...]:
        if not model.sized_fields:
            return ()
        size = self.slicing_size(definition, model, node)
        return tuple((name, size) for name in model.sized_fields)

    def count(
        self, definition: GraphQLField, model: _FieldModel, node: FieldNode, sizes: dict[str, int], introspection: bool
    ) -> int:
        """How many objects (or values) a field returns, before it runs."""
        if introspection:
            return 1  # introspection lists are read from memory: counted once
        name = node.name.value
        if name in sizes:
            return sizes[name]  # a connection's `edges`: sized by the connection's slicing arguments
        if not model.is_list:
            return 1
        if not model.has_list_size:
            return DEFAULT_LIST_SIZE
        if model.sized_fields:
            return 1  # its @listSize sizes its children
        return self.slicing_size(definition, model, node)

    # Requested cost

    def requested(
        self,
        selection_sets: tuple[SelectionSetNode, ...],
        parent: GraphQLNamedType,
        sized: tuple[tuple[str, int], ...],
        introspection: bool,
        depth: int,
    ) -> Number:
        key = (tuple(map(id, selection_sets)), parent.name, sized, introspection)
        cached = self.memo.get(key)
        if cached is not None:
            return cached
        if key in self.in_progress or depth > _MAX_NESTING:
            return UNBOUNDED_COST  # a fragment cycle, or nesting no validated document has
        self.in_progress.add(key)
        try:
            if is_abstract_type(parent):
                possible = self.schema.get_possible_types(parent)
                cost = max(
                    (self.requested_object(selection_sets, t, sized, introspection, depth) for t in possible),
                    default=0,
                )
            else:
                cost = self.requested_object(selection_sets, parent, sized, introspection, depth)  # type: ignore[arg-type]
        finally:
            self.in_progress.discard(key)
        self.memo[key] = cost
        return cost

    def requested_object(
        self,
        selection_sets: tuple[SelectionSetNode, ...],
        parent: GraphQLObjectType,
        sized: tuple[tuple[str, int], ...],
        introspection: bool,
        depth: int,
    ) -> Number:
        total: Number = 0
        sizes = dict(sized)
        for nodes in self.collect(selection_sets, parent).values():
            node = nodes[0]
            definition, model, field_introspection = self.field(parent, node, introspection)
            if definition is None or model is None:
                continue
            below: Number = 0
            if model.composite:
                children = tuple(n.selection_set for n in nodes if n.selection_set is not None)
                below = self.requested(
                    children,
                    get_named_type(definition.type),
                    () if field_introspection else self.child_sizes(definition, model, node),
                    field_introspection,
                    depth + 1,
                )
            total += self.count(definition, model, node, sizes, field_introspection) * (model.weight + below)
            total += self.argument_weight(model, node)
        return total

    # Actual cost

    def actual(
        self,
        selection_sets: tuple[SelectionSetNode, ...],
        parent: GraphQLNamedType,
        data: Mapping[str, Any],
        depth: int,
    ) -> Number:
        if depth > _MAX_NESTING:
            return UNBOUNDED_COST
        if is_abstract_type(parent):
            typename = data.get("__typename")
            concrete = self.schema.get_type(typename) if isinstance(typename, str) else None
            if isinstance(concrete, GraphQLObjectType):
                return self.actual_object(selection_sets, concrete, data, depth)
            possible = self.schema.get_possible_types(parent)
            return max((self.actual_object(selection_sets, t, data, depth) for t in possible), default=0)
        return self.actual_object(selection_sets, parent, data, depth)  # type: ignore[arg-type]

    def actual_object(
        self,
        selection_sets: tuple[SelectionSetNode, ...],
        parent: GraphQLObjectType,
        data: Mapping[str, Any],
        depth: int,
    ) -> Number:
        total: Number = 0
        for response_key, node, model, children, named, introspection in self.plan(selection_sets, parent):
            if response_key not in data:
                continue  # not resolved (an error above it, or a fragment of another type)
            if introspection:
                # Answered from memory: priced as requested, whatever the schema's size.
                total += model.weight + self.requested(children, named, (), True, depth + 1)
                continue
            total += self.argument_weight(model, node)
            for item in _items(data[response_key]):
                total += model.weight
                if model.composite and isinstance(item, Mapping):
                    total += self.actual(children, named, item, depth + 1)
        return total

    def plan(
        self, selection_sets: tuple[SelectionSetNode, ...], parent: GraphQLObjectType
    ) -> list[tuple[str, FieldNode, _FieldModel, tuple[SelectionSetNode, ...], GraphQLNamedType, bool]]:
        key = (*map(id, selection_sets), parent.name)
        plan = self.plans.get(key)
        if plan is None:
            plan = []
            for response_key, nodes in self.collect(selection_sets, parent).items():
                node = nodes[0]
                definition, model, introspection = self.field(parent, node, False)
                if definition is None or model is None:
                    continue
                if not (introspection or model.composite or model.weight or model.argument_weights):
                    continue  # a free leaf (a scalar of weight 0) adds nothing however many values it returned
                children = tuple(n.selection_set for n in nodes if n.selection_set is not None)
                plan.append((response_key, node, model, children, get_named_type(definition.type), introspection))
            self.plans[key] = plan
        return plan


def _items(value: Any) -> Iterable[Any]:
    """Every value a field returned: the items of (nested) lists, else the value itself (even null)."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, list):
                yield from _items(item)
            elif item is not None:
                yield item
    else:
        yield value


def _to_int(cost: Number) -> int:
    if isinstance(cost, float):
        if not math.isfinite(cost) or cost >= UNBOUNDED_COST:
            return UNBOUNDED_COST
        return math.ceil(cost)
    return min(cost, UNBOUNDED_COST)


def _pricer(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> tuple[_Pricer, OperationDefinitionNode, GraphQLObjectType] | None:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    return _Pricer(schema, document, variables, operation), operation, root


Pricing = tuple[_Pricer, OperationDefinitionNode, GraphQLObjectType]


def pricing(
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> Pricing | None:
    """What prices one operation with its variables, requested and actual: kept by the caller for as long as it
    keeps the document (what it works out per selection is keyed by the document's nodes)."""
    return _pricer(schema, document, operation_name, variables)


def requested_cost_of(found: Pricing | None) -> int:
    if found is None:
        return 0
    pricer, operation, root = found
    return _to_int(pricer.requested((operation.selection_set,), root, (), False, 0))


def actual_cost_of(found: Pricing | None, data: Mapping[str, Any] | None) -> int:
    if not data or found is None:
        return 0
    pricer, operation, root = found
    return _to_int(pricer.actual((operation.selection_set,), root, data, 0))


def requested_cost(
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """The static cost of the selected operation of a validated document, before it runs.

    0 when the document has no such operation (executing it then fails without running anything).
    """
    return requested_cost_of(_pricer(schema, document, operation_name, variables))


def actual_cost(
    *,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    data: Mapping[str, Any] | None,
) -> int:
    """The cost of the same operation from the `data` it returned: every list counted at its real length."""
    if not data:
        return 0
    return actual_cost_of(_pricer(schema, document, operation_name, variables), data)


def maximum_cost() -> int:
    """The largest requested cost an operation may have (settings.GRAPHQL_MAX_QUERY_COST)."""
    from django.conf import settings

    maximum: int = settings.GRAPHQL_MAX_QUERY_COST
    return maximum
