//! Sizes of the protobuf messages the real server counts: a stored `MsgProto` (channel bytes,
//! `max_bytes`, `out_bytes`) and a `PubMsg` (`in_bytes`). Field numbers are those of
//! `pb/protocol.proto`; proto3 leaves out empty fields.

/// Bytes of a base-128 varint.
pub fn varint_len(v: u64) -> u64 {
    let bits = 64 - v.max(1).leading_zeros() as u64;
    bits.div_ceil(7)
}

/// A length-delimited field (tag + length + bytes), absent when empty.
fn bytes_field(len: u64) -> u64 {
    if len == 0 {
        0
    } else {
        1 + varint_len(len) + len
    }
}

/// A varint field, absent when zero.
fn varint_field(v: u64) -> u64 {
    if v == 0 {
        0
    } else {
        1 + varint_len(v)
    }
}

/// Size of a `MsgProto{sequence, subject, data, timestamp, redelivered, redelivery_count}`.
pub fn msg_proto_size(seq: u64, subject_len: u64, data_len: u64, ts_ns: u64, redelivered: bool, count: u32) -> u64 {
    varint_field(seq) + bytes_field(subject_len) + bytes_field(data_len) + varint_field(ts_ns) + if redelivered { 2 } else { 0 } + varint_field(count as u64)
}

/// Size of the `PubMsg` stan.js sends: client id, 22-byte guid, channel, data, 22-byte connID.
pub fn pub_msg_size(client_len: u64, channel_len: u64, data_len: u64) -> u64 {
    bytes_field(client_len) + bytes_field(22) + bytes_field(channel_len) + bytes_field(data_len) + bytes_field(22)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::timestamp_ns;

    #[test]
    fn sizes_match_the_measured_server() {
        let ts = timestamp_ns(1000);
        // stan-semantics §11.1: `ticket:updated`, seq 1, data `u1` → 32 bytes.
        assert_eq!(msg_proto_size(1, 14, 2, ts, false, 0), 32);
        // a 40-byte JSON on `ticket:created` → 70 bytes.
        assert_eq!(msg_proto_size(1, 14, 40, ts, false, 0), 70);
        // §13.1: in_bytes = 3×111 + 73 for a 3-character publisher id.
        assert_eq!(pub_msg_size(3, 14, 40), 111);
        assert_eq!(pub_msg_size(3, 14, 2), 73);
        assert_eq!(varint_len(127), 1);
        assert_eq!(varint_len(128), 2);
    }
}
