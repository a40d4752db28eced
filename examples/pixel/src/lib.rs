//! Pixel
