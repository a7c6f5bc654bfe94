/**
 * Editor helpers shared by the dialogs of @pulsar-ws/node-red-pulsar (pulsar-ws-endpoint,
 * pulsar-out, pulsar-in): i18n lookup and the validators that mirror the runtime's own checks.
 * Node-RED serves a module's resources/ folder at resources/<module>/; each node's .html loads
 * this file before its own script, so the validation rules live in one place.
 */
(function () {
    "use strict";
    // The three node sets share one message catalog; any set's namespace finds the keys.
    var NS = "@pulsar-ws/node-red-pulsar/pulsar-ws-endpoint:";
    var ENV_REF = /^\$\{[^}]+\}$/;
    var NAMED_ENTITY = /^[-=:.\w]+$/;
    // "." and ".." would be resolved as path steps on the way to Pulsar: refused, as by the runtime.
    var DOT_SEGMENT = /^\.\.?$/;
    var DOMAIN_PREFIX = /^(persistent|non-persistent):\/\/(.*)$/;
    // C0 and C1 control characters, as refused by the runtime: matching them is the point.
    // eslint-disable-next-line no-control-regex
    var CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

    function t(node, key, opts) {
        if (node && typeof node._ === "function") {
            return node._(key, opts);
        }
        return RED._(NS + key, opts);
    }

    /**
     * A property missing from a node (a flow written by hand or by a tool, setting only the
     * properties it cares about, as the flow JSON contract allows) takes the runtime's default: valid.
     */
    function missing(v) {
        return v === undefined;
    }

    function str(v) {
        return v === undefined || v === null ? "" : String(v).trim();
    }

    /**
     * A topic is `name`, `tenant/namespace/name`, `persistent://tenant/namespace/name` or
     * `non-persistent://tenant/namespace/name` (or a whole `${VAR}`). True, or the i18n message.
     */
    function checkTopic(node, v, required) {
        var s = str(v);
        if (s === "") {
            return required ? t(node, "pulsar.validation.topicRequired") : true;
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var rest = s;
        var prefixed = DOMAIN_PREFIX.exec(s);
        if (prefixed) {
            rest = prefixed[2];
        } else if (s.indexOf("://") !== -1) {
            return t(node, "pulsar.validation.topicShape");
        }
        var parts = rest.split("/");
        var local;
        if (parts.length === 1 && !prefixed) {
            local = parts[0];
        } else if (parts.length === 3) {
            if (!NAMED_ENTITY.test(parts[0]) || !NAMED_ENTITY.test(parts[1]) ||
                DOT_SEGMENT.test(parts[0]) || DOT_SEGMENT.test(parts[1])) {
                return t(node, "pulsar.validation.topicPart");
            }
            local = parts[2];
        } else {
            return t(node, "pulsar.validation.topicShape");
        }
        if (local === "" || CONTROL_CHARS.test(local) || DOT_SEGMENT.test(local)) {
            return t(node, "pulsar.validation.topicLocal");
        }
        return true;
    }

    /** Integer check: true, or the i18n message saying what is expected. `${VAR}` is accepted. */
    function checkInt(node, v, min, max, blankAllowed) {
        if (missing(v)) {
            return true;
        }
        var s = str(v);
        if (s === "") {
            return blankAllowed ? true : t(node, "pulsar.validation.required");
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
        if (isNaN(n) || (min !== null && n < min) || (max !== null && n > max)) {
            if (min === null && max === null) {
                return t(node, "pulsar.validation.integer");
            }
            if (max === null) {
                return t(node, "pulsar.validation.integerMin", { min: min });
            }
            return t(node, "pulsar.validation.integerRange", { min: min, max: max });
        }
        return true;
    }

    function intValidator(min, max, blankAllowed) {
        return function (v, _opt) {
            return checkInt(this, v, min, max, blankAllowed);
        };
    }

    /** Seconds, fractions allowed (the runtime takes them): true, or the i18n message. */
    function checkSeconds(node, v, min, max, minExclusive) {
        if (missing(v)) {
            return true;
        }
        var s = str(v);
        if (s === "") {
            return t(node, "pulsar.validation.required");
        }
        if (ENV_REF.test(s)) {
            return true;
        }
        var n = /^(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : NaN;
        if (isNaN(n) || (minExclusive ? n <= min : n < min) || (max !== null && n > max)) {
            if (minExclusive) {
                return t(node, "pulsar.validation.secondsPositive");
            }
            if (max !== null) {
                return t(node, "pulsar.validation.secondsRange", { min: min, max: max });
            }
            return t(node, "pulsar.validation.secondsMin", { min: min });
        }
        return true;
    }

    function secondsValidator(min, max, minExclusive) {
        return function (v, _opt) {
            return checkSeconds(this, v, min, max, minExclusive);
        };
    }

    function oneOf(values) {
        return function (v, _opt) {
            return missing(v) || values.indexOf(v === null ? "" : v) !== -1 ? true : t(this, "pulsar.validation.option");
        };
    }

    window.PulsarWsEditor = {
        ENV_REF: ENV_REF,
        NAMED_ENTITY: NAMED_ENTITY,
        DOT_SEGMENT: DOT_SEGMENT,
        DOMAIN_PREFIX: DOMAIN_PREFIX,
        CONTROL_CHARS: CONTROL_CHARS,
        t: t,
        str: str,
        checkTopic: checkTopic,
        checkInt: checkInt,
        intValidator: intValidator,
        checkSeconds: checkSeconds,
        secondsValidator: secondsValidator,
        oneOf: oneOf
    };
})();
