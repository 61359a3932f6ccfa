using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace OpsAutomation.Core.Configuration;

/// <summary>
/// The one way the module reads YAML (catalogs, pipeline specs, rule files, rule unit tests):
/// a <see cref="YamlStream"/> loaded through a parser that refuses, with a located
/// <see cref="YamlException"/>, nesting deeper than <see cref="MaxDepth"/> and excessive alias
/// expansion ("billion laughs"). YamlStream shares an aliased node instead of copying it, but
/// every reader walks it once per reference, so the expansion is what costs time and memory.
/// </summary>
public static class BoundedYaml
{
    /// <summary>
    /// The deepest nesting of mappings and sequences, counting what aliases bring in: loading
    /// and every walk over the nodes recurse once per level.
    /// </summary>
    public const int MaxDepth = 256;

    /// <summary>Loads <paramref name="text"/>; the reader's own YAML errors and the limits' errors are <see cref="YamlException"/>s with a line and column.</summary>
    public static YamlStream Load(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        var parser = new LimitingParser(new Parser(reader));
        try
        {
            stream.Load(parser);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some malformed input (a U+2028 line separator
            // in a flow mapping's plain scalar): a syntax error all the same, located where it stopped.
            var at = parser.Current?.End ?? Mark.Empty;
            throw new YamlException(at, at, $"unreadable YAML after line {at.Line}, column {at.Column}: {ex.Message}", ex);
        }
        return stream;
    }

    /// <summary>
    /// Go's yaml.v2/v3 rule (which Prometheus and Kubernetes read their files with): a document
    /// may produce up to 400,000 nodes from aliases freely; beyond that, the share of nodes that
    /// come from aliases must stay under 99%, falling to 10% at 4,000,000 nodes.
    /// </summary>
    internal static bool IsExcessiveAliasing(long aliasNodes, long allNodes) =>
        aliasNodes > 100 && allNodes > 1000 && (double)aliasNodes / allNodes > AllowedAliasShare(allNodes);

    private static double AllowedAliasShare(long allNodes) => allNodes switch
    {
        <= 400_000 => 0.99,
        >= 4_000_000 => 0.10,
        _ => 0.99 - (0.89 * (allNodes - 400_000) / 3_600_000),
    };

    /// <summary>Passes events through, keeping per document the nesting depth and the nodes the document expands to.</summary>
    private sealed class LimitingParser(IParser inner) : IParser
    {
        private readonly Dictionary<string, (long Nodes, int Depth)> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<(string? Anchor, long NodesBefore, int MaxDepthBelow)> _open = new();
        private long _nodes;
        private long _aliasNodes;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            switch (inner.Current)
            {
                case DocumentStart:
                    _anchors.Clear();
                    _nodes = 0;
                    _aliasNodes = 0;
                    break;
                case MappingStart or SequenceStart:
                    var start = (NodeEvent)inner.Current;
                    if (_open.Count + 1 > MaxDepth) throw TooDeep(start, _open.Count + 1);
                    _open.Push((AnchorOf(start), _nodes, 0));
                    _nodes++;
                    break;
                case MappingEnd or SequenceEnd:
                    var (anchor, before, below) = _open.Pop();
                    Completed(anchor, _nodes - before, below + 1);
                    break;
                case Scalar scalar:
                    _nodes++;
                    Completed(AnchorOf(scalar), 1, 1);
                    break;
                case AnchorAlias alias:
                    // An unknown alias is the loader's own error, reported after this.
                    if (!_anchors.TryGetValue(alias.Value.Value, out var target)) break;
                    if (_open.Count + target.Depth > MaxDepth) throw TooDeep(alias, _open.Count + target.Depth);
                    _nodes = Saturating(_nodes, target.Nodes);
                    _aliasNodes = Saturating(_aliasNodes, target.Nodes);
                    if (IsExcessiveAliasing(_aliasNodes, _nodes))
                        throw new YamlException(alias.Start, alias.End,
                            $"excessive aliasing at line {alias.Start.Line}, column {alias.Start.Column}: with *{alias.Value.Value} the document expands to {_nodes} nodes, " +
                            $"{_aliasNodes} of them through aliases, over the limit of {(int)(AllowedAliasShare(_nodes) * 100)}% from aliases");
                    Completed(null, target.Nodes, target.Depth);
                    break;
            }
            return true;
        }

        /// <summary>A node of <paramref name="nodes"/> nodes and <paramref name="depth"/> levels ended: remember it under its anchor and deepen its parent.</summary>
        private void Completed(string? anchor, long nodes, int depth)
        {
            if (anchor is not null) _anchors[anchor] = (nodes, depth);
            if (_open.TryPop(out var parent)) _open.Push(parent with { MaxDepthBelow = Math.Max(parent.MaxDepthBelow, depth) });
        }

        private static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

        private static long Saturating(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

        private static YamlException TooDeep(ParsingEvent at, int depth) =>
            new(at.Start, at.End, $"the document nests {depth} levels at line {at.Start.Line}, column {at.Start.Column}, deeper than the limit of {MaxDepth}");
    }
}
