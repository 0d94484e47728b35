/// Where a validator accepts `null` in place of whatever the schema says a value must be.
///
/// The real Ashby API sends `null` for many fields its OpenAPI document types as non-null
/// (/work/shared/reference/README.md lists them). A tolerated `null` member or array element is not
/// checked against its subschema at all; the member still counts as present for `required`. The root
/// instance is never tolerated.
public enum NullTolerance: Sendable {
    /// `null` must match the schema like any other value.
    case none
    /// `null` is accepted as any object member or array element.
    case everywhere
    /// `null` is accepted as the value of an object member with one of these names, at any depth.
    case properties(Set<String>)
    /// `null` is accepted where the predicate returns true for the instance path (a JSON pointer such
    /// as `/results/3/source`).
    case custom(@Sendable (_ instancePath: String) -> Bool)
}
