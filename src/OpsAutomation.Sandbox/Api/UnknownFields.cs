using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The fields of a body its model type does not know, found by comparing the body with its round trip
/// through the type: what the server's strict decoding calls `unknown field "spec.foo"`.
/// </summary>
public static class UnknownFields
{
    public static IReadOnlyList<string> Find(JsonNode? given, JsonNode? decoded)
    {
        var found = new List<string>();
        Walk(given, decoded, "", found);
        return found;
    }

    private static void Walk(JsonNode? given, JsonNode? decoded, string path, List<string> found)
    {
        switch (given)
        {
            case JsonObject givenObject when decoded is JsonObject decodedObject:
                foreach (var (key, value) in givenObject)
                {
                    var child = path.Length == 0 ? key : $"{path}.{key}";
                    if (decodedObject.TryGetPropertyValue(key, out var decodedValue))
                    {
                        Walk(value, decodedValue, child, found);
                    }
                    else if (value is not null)
                    {
                        found.Add(child);
                    }
                }
                break;
            case JsonArray givenArray when decoded is JsonArray decodedArray:
                for (var i = 0; i < givenArray.Count && i < decodedArray.Count; i++)
                {
                    Walk(givenArray[i], decodedArray[i], $"{path}[{i}]", found);
                }
                break;
        }
    }
}
